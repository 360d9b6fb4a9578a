/**
 * Runs the bundled CLI (one CommonJS file) through V8's code cache, so a command does not
 * compile the bundle again on every start. Node 20 has no module compile cache
 * (`module.enableCompileCache` is Node 22); compiling the bundle and the functions a command
 * calls was a third of `deploy status`'s time on 10 hosts (docs/performance.md).
 *
 * One cache file per build and command, in the user's cache directory (mode 0700), written
 * once at exit by the first run that has none. V8 rejects a cache made by another V8 or with
 * other flags; the build id in the name keeps a rebuilt bundle from meeting an old cache
 * (V8 checks the source's length, not its content). A cache is code: it is read only from
 * a directory that is this user's and writable by nobody else. Every failure here only
 * costs speed. DEPLOY_CODE_CACHE=0 turns it off.
 */
import {
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { VERBS } from './verbs.js';

/** The directory for cache files, or undefined when caching is off or there is no home. */
export function cacheDir(env: NodeJS.ProcessEnv, home: string | undefined): string | undefined {
  if (env.DEPLOY_CODE_CACHE === '0') return undefined;
  const base = env.XDG_CACHE_HOME || (home ? join(home, '.cache') : undefined);
  return base ? join(base, 'deploy', 'code') : undefined;
}

/** The command a run will execute, as far as argv shows without the parser: the first
 * argument that names a verb. A wrong guess (an option value spelled like a verb) only
 * picks a less fitting cache. */
export function verbOf(argv: readonly string[]): string {
  return argv.find((a) => (VERBS as readonly string[]).includes(a)) ?? 'other';
}

/** Only a real directory of ours that no one else can write holds code we would run. */
export function trustedDir(dir: string, uid: number | undefined): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

export function cacheFileName(buildId: string, verb: string, node: string, arch: string): string {
  return `${buildId}-${verb}-${node}-${arch}.v8`;
}

/** CommonJS's own wrapper, so the bundle sees the module variables it expects. */
const wrap = (source: string): string =>
  `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

export interface LaunchOptions {
  bundleFile: string;
  buildId: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  home: string | undefined;
}

export function launch(o: LaunchOptions): void {
  const dir = cacheDir(o.env, o.home);
  const name = cacheFileName(o.buildId, verbOf(o.argv.slice(2)), process.version, process.arch);
  const uid = process.getuid?.();
  const cached =
    dir !== undefined && trustedDir(dir, uid) ? readOrUndefined(join(dir, name)) : undefined;
  const script = new Script(wrap(readFileSync(o.bundleFile, 'utf8')), {
    filename: o.bundleFile,
    cachedData: cached,
  });
  if (dir !== undefined && (cached === undefined || script.cachedDataRejected))
    // At exit the cache also holds the functions this command compiled while it ran.
    process.once('exit', () => save(dir, name, o.buildId, uid, script));
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(o.bundleFile), module, o.bundleFile, dirname(o.bundleFile));
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function save(
  dir: string,
  name: string,
  buildId: string,
  uid: number | undefined,
  script: Script,
): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!trustedDir(dir, uid)) return; // someone else's: leave it alone
    // Caches of earlier builds are dead weight: a developer rebuilds often.
    for (const old of readdirSync(dir))
      if (!old.startsWith(`${buildId}-`)) rmSync(join(dir, old), { force: true });
    const file = join(dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, file); // readers never see half a file
  } catch {
    // An unwritable cache directory only costs speed.
  }
}
