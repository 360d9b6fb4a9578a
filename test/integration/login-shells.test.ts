/**
 * Issue 15 item 10 through the built CLI on the test bed: sshd hands every command to the
 * SSH user's login shell, and the bed's SHELL_USERS log in with fish, zsh and tcsh. Values
 * each of those shells would reinterpret (fish's `\'` inside single quotes, zsh's `=word`,
 * csh's quoted newline, `$HOME`, backticks, `$(…)`) reach the container byte-exact, also
 * through a secret (env file over stdin), and nothing in them runs.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { SHELL_USERS } from '../harness/sshd.js';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
// A successful injection creates this file (the command runs as the shell user, whose
// HOME is per host: /tmp is the one place every user can write).
const MARKER = `/tmp/deploy-login-shell-injected-${process.pid}`;

const VALUES: Record<string, string> = {
  V_FISH: "a\\'; id #",
  V_FISH_RUN: `b\\'; touch ${MARKER} #`,
  V_ZSH: '=word',
  V_ZSH_CMD: '=true',
  V_NEWLINE: 'line1\nline2',
  V_HOME: '$HOME',
  V_TICKS: `\`touch ${MARKER}\``,
  V_SUBST: `$(touch ${MARKER}) ; touch ${MARKER}`,
  V_BANG: '!! !$ \\!',
};
const SECRET = `s3cret\\'; touch ${MARKER} #`;
const names = Object.keys(VALUES);

function inspect(
  host: string,
  container: string,
): { cmd: string[]; env: string[]; labels: Record<string, string> } {
  const out = docker(sb, host, ['inspect', '--format', '{{json .Config}}', container]);
  const config = JSON.parse(out) as {
    Cmd: string[];
    Env: string[];
    Labels: Record<string, string>;
  };
  return { cmd: config.Cmd, env: config.Env, labels: config.Labels };
}

const accepted = (host: string, user: string): number =>
  (
    readFileSync(sb.sshdLogs[host]!, 'utf8').match(
      new RegExp(`Accepted publickey for ${user} `, 'g'),
    ) ?? []
  ).length;

describe('non-POSIX login shells (issue 15 item 10)', () => {
  beforeAll(() => {
    cleanup(sb);
    rmSync(MARKER, { force: true });
  });
  afterAll(() => {
    cleanup(sb);
    rmSync(MARKER, { force: true });
  });

  const shells = Object.entries(SHELL_USERS).map(([shell, u], i) => [shell, u.user, i] as const);

  test.each(shells)(
    'a %s user (%s): values arrive byte-exact and nothing runs',
    async (shell, user, i) => {
      const host = sb.hosts[i % sb.hosts.length]!.name;
      const service = `shell-${shell}`;
      const env = Object.fromEntries(names.map((n) => [n, `\${${n}}`]));
      const repo = makeRepo(sb, {
        jobs: {
          [service]: `service: ${service}
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    update: { monitor: 0s }
    command: ${JSON.stringify(names.map((n) => `\${${n}}`))}
    env: ${JSON.stringify(env)}
    labels: ${JSON.stringify(Object.fromEntries(names.map((n) => [n.toLowerCase(), `\${${n}}`])))}
    secrets: [API_TOKEN]
    tasks: { one: { host: ${host} } }
`,
        },
        hosts: [host],
        secrets: { API_TOKEN: SECRET },
      });
      // The one host logs in as the shell user instead of root.
      const inv = `${repo}/inventories/test.yml`;
      writeFileSync(
        inv,
        readFileSync(inv, 'utf8').replace(
          `  ${host}: { address:`,
          `  ${host}: { user: ${user}, address:`,
        ),
      );
      expect(readFileSync(inv, 'utf8')).toContain(`user: ${user},`);
      const before = accepted(host, user);

      // The secret from the process environment (a .secrets file line would end at ` #`).
      const up = await runDeploy(['up'], { cwd: repo, env: { ...VALUES, API_TOKEN: SECRET } });
      expect(up.code, up.stderr + up.stdout).toBe(0);
      expect(accepted(host, user)).toBeGreaterThan(before);

      // Each value once as a whole argv word (the container's command: the image ignores its
      // arguments), once inside `-e NAME=value` and once inside `--label name=value`.
      const { cmd, env: got, labels } = inspect(host, `${service}-web-one`);
      expect(cmd).toEqual(names.map((n) => VALUES[n]));
      for (const n of names) {
        expect(got, n).toContain(`${n}=${VALUES[n]}`);
        expect(labels[n.toLowerCase()], n).toBe(VALUES[n]);
      }
      expect(got).toContain(`API_TOKEN=${SECRET}`);
      expect(existsSync(MARKER)).toBe(false);

      // Reads go through the same path: status finds the task running.
      const status = await runDeploy(['status', '--json'], {
        cwd: repo,
        env: { ...VALUES, API_TOKEN: SECRET },
      });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain(`${service}-web-one`);
      expect(existsSync(MARKER)).toBe(false);
    },
  );
});
