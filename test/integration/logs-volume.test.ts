/**
 * Issue 15 item 3: `deploy logs` of a chatty container. 300,000 lines used to end in
 * "internal error: Maximum call stack size exceeded" (a spread of every line into one array)
 * after holding all output in memory. Lines must stream in order, merged by time across
 * tasks and hosts, with exit 0.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';
import { waitFor } from './support/side-channel.js';

const sb = inject('sandbox');
const [h1, h2] = [sb.hosts[0]!.name, sb.hosts[1]!.name];
const LINES = 300_000;

// The locally built busybox base image: `seq` prints the lines as fast as it can, then the
// container idles (trapping TERM so removal is quick).
const job = `service: chatty
jobs:
  talk:
    image: \${vars.registry}/deploy-base:1
    command: ["sh", "-c", "seq 1 ${LINES}; echo done; trap 'exit 0' TERM; while :; do sleep 1; done"]
    healthcheck: none
    update: { monitor: 0s }
    tasks: { one: { host: ${h1} } }
  quiet:
    image: \${vars.registry}/deploy-base:1
    command: ["sh", "-c", "for i in 1 2 3; do echo q$$i; echo e$$i >&2; done; trap 'exit 0' TERM; while :; do sleep 1; done"]
    healthcheck: none
    update: { monitor: 0s }
    tasks: { two: { host: ${h2} } }
`;

interface Line {
  task: string;
  host: string;
  stream: string;
  time: string;
  line: string;
}

/** RFC 3339 with up to nanoseconds, as a sortable [ms, ns] pair. */
function key(time: string): [number, number] {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(time)!;
  return [Date.parse(`${m[1]}${m[3]}`), Number((m[2] ?? '').padEnd(9, '0'))];
}

describe('logs of a chatty container', () => {
  let repo: string;
  beforeAll(async () => {
    cleanup(sb);
    repo = makeRepo(sb, { jobs: { chatty: job }, hosts: [h1, h2] });
    const up = await runDeploy(['up', 'chatty'], { cwd: repo });
    expect(up.code, up.stderr).toBe(0);
    await waitFor(
      () => docker(sb, h1, ['logs', '--tail', '1', 'chatty-talk-one']).trim() === 'done',
      'the container to print all its lines',
      60_000,
    );
  });
  afterAll(() => cleanup(sb));

  test(`--json: ${LINES} lines of one task and the other host's lines, in order, exit 0`, async () => {
    const res = await runDeploy(['logs', 'chatty', '--json'], { cwd: repo, timeoutMs: 110_000 });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const talk = lines.filter((l) => l.task === 'one');
    expect(talk).toHaveLength(LINES + 1);
    let outOfOrder = 0;
    for (let i = 0; i < LINES; i++) if (talk[i]!.line !== String(i + 1)) outOfOrder++;
    expect(outOfOrder).toBe(0);
    expect(talk.at(-1)!.line).toBe('done');
    const quiet = lines.filter((l) => l.task === 'two');
    expect(quiet.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual([
      'q1',
      'q2',
      'q3',
    ]);
    expect(quiet.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual([
      'e1',
      'e2',
      'e3',
    ]);
    expect(quiet.every((l) => l.host === h2)).toBe(true);
    // One timeline: every line's time is at or after the one before.
    let backwards = 0;
    for (let i = 1; i < lines.length; i++) {
      const [a, b] = [key(lines[i - 1]!.time), key(lines[i]!.time)];
      if (b[0] < a[0] || (b[0] === a[0] && b[1] < a[1])) backwards++;
    }
    expect(backwards).toBe(0);
  });

  test('plain output: every line once, prefixed task@host, in order', async () => {
    const res = await runDeploy(['logs', 'chatty/talk'], { cwd: repo, timeoutMs: 110_000 });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = res.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(LINES + 1);
    expect(out[0]).toBe(`one@${h1} 1`);
    expect(out[LINES - 1]).toBe(`one@${h1} ${LINES}`);
    expect(out.every((l, i) => l === `one@${h1} ${i < LINES ? i + 1 : 'done'}`)).toBe(true);
  });

  test('--tail 5 still gives the last 5', async () => {
    const res = await runDeploy(['logs', 'chatty/talk', '--tail', '5'], { cwd: repo });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trimEnd().split('\n')).toEqual(
      [LINES - 3, LINES - 2, LINES - 1, LINES, 'done'].map((n) => `one@${h1} ${n}`),
    );
  });
});
