// vitest globalSetup for the integration project: one sandbox per `vitest run`, in its own
// root and on addresses away from a user's `npm run sandbox` (127.0.0.11…, registry :5000).
// Tests get it with `useSandbox()` (./use-sandbox.ts) or `inject('sandbox')`.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { isAlive } from './proc.js';
import { REPO_ROOT, sandboxData, sandboxDown, sandboxUp, type SandboxData } from './sandbox.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxData;
  }
}

const TEST_ROOTS = join(REPO_ROOT, '.sandbox-test');
export const TEST_HOSTS = 3;

/** Sandboxes of test runs that died without teardown (their runner PID is gone). */
async function reapStale(): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(TEST_ROOTS);
  } catch {
    return;
  }
  for (const e of entries) {
    const pid = Number(e);
    if (Number.isInteger(pid) && !isAlive(pid)) await sandboxDown(join(TEST_ROOTS, e));
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  mkdirSync(TEST_ROOTS, { recursive: true });
  writeFileSync(join(TEST_ROOTS, '.gitignore'), '*\n');
  await reapStale();
  // Several engineers (and a clean-clone CI run) may run the suite at once: one root each.
  const root = join(TEST_ROOTS, String(process.pid));
  const started = Date.now();
  const sb = await sandboxUp({
    hosts: TEST_HOSTS,
    root,
    addressBase: 21,
    searchAddresses: true,
    registryPort: 5100,
    withBrowser: true,
    log: (line) => process.stderr.write(`[sandbox] ${line}\n`),
  });
  process.stderr.write(
    `[sandbox] up in ${Date.now() - started} ms: ${sb.hosts.map((h) => h.address).join(' ')}, registry ${sb.registry.address}\n`,
  );
  project.provide('sandbox', sandboxData(sb));
  return async () => {
    const t = Date.now();
    await sandboxDown(root);
    process.stderr.write(`[sandbox] down in ${Date.now() - t} ms\n`);
  };
}
