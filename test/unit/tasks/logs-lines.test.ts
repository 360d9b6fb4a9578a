import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { HostSpec, ResolvedTask } from '../../../src/inventory/model.js';
import { FOLLOW_SCRIPT } from '../../../src/remote-docker/follow.js';
import { HostDocker } from '../../../src/tasks/host-docker.js';
import { LineSplitter, compareTimes, splitTimestamp } from '../../../src/tasks/log-lines.js';
import { readLogs, type LogLine } from '../../../src/tasks/logs.js';
import type { ExecOptions, ExecResult, Transport } from '../../../src/transport/types.js';

describe('LineSplitter', () => {
  test('a line split across chunks comes out once, whole; the tail waits for end()', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('first li'))).toEqual([]);
    expect(s.push(Buffer.from('ne\nsecond\nthi'))).toEqual(['first line', 'second']);
    expect(s.push(Buffer.from('rd'))).toEqual([]);
    expect(s.end()).toEqual(['third']);
    expect(s.end()).toEqual([]);
  });

  test('a UTF-8 character split between chunks is not mangled', () => {
    const bytes = Buffer.from('héllo → wörld\n');
    const s = new LineSplitter();
    const out = [
      ...s.push(bytes.subarray(0, 2)),
      ...s.push(bytes.subarray(2, 9)),
      ...s.push(bytes.subarray(9)),
    ];
    expect(out).toEqual(['héllo → wörld']);
  });

  test('CRLF loses its CR; empty lines are kept', () => {
    const s = new LineSplitter();
    expect(s.push('a\r\n\r\nb\n')).toEqual(['a', '', 'b']);
  });

  test('property: any chunking of any text gives the same lines as splitting it whole', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (text, cuts) => {
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const s = new LineSplitter();
          const got: string[] = [];
          let prev = 0;
          for (const p of [...points, bytes.length]) {
            got.push(...s.push(bytes.subarray(prev, p)));
            prev = p;
          }
          got.push(...s.end());
          const whole = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
          if (whole.at(-1) === '') whole.pop();
          expect(got).toEqual(whole);
        },
      ),
    );
  });
});

describe('timestamps', () => {
  test('docker --timestamps prefix is split off; lines without one keep their text', () => {
    expect(splitTimestamp('2026-11-27T18:57:54.693452032Z start h1')).toEqual({
      time: '2026-11-27T18:57:54.693452032Z',
      text: 'start h1',
    });
    expect(splitTimestamp('2026-11-27T18:57:54Z ')).toEqual({
      time: '2026-11-27T18:57:54Z',
      text: '',
    });
    expect(splitTimestamp('Error: No such container: x')).toEqual({
      time: null,
      text: 'Error: No such container: x',
    });
  });

  test('RFC3339Nano with trimmed zeros still orders by time, not by string', () => {
    const a = '2026-11-27T18:57:54.69345Z'; // .693450000
    const b = '2026-11-27T18:57:54.693452032Z';
    expect(a > b).toBe(true); // the string order is wrong…
    expect(compareTimes(a, b)).toBeLessThan(0); // …the time order is right
    expect(compareTimes('2026-11-27T18:57:55Z', b)).toBeGreaterThan(0);
    expect(compareTimes(b, b)).toBe(0);
  });
});

/**
 * A recording transport: replies per container name, optionally in chunks. Like the real
 * ones it hands output to onStdout/onStderr as it comes and collects it unless
 * `collect: false`.
 */
class FakeTransport implements Transport {
  readonly calls: string[][] = [];
  readonly collected: boolean[] = [];
  constructor(
    readonly host: string,
    private readonly reply: (argv: readonly string[]) => ExecResult & { chunks?: Buffer[] },
  ) {}
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push([...argv]);
    this.collected.push(opts.collect !== false);
    const r = this.reply(argv);
    const chunks = r.chunks ?? (r.stdout ? [Buffer.from(r.stdout)] : []);
    for (const c of chunks) {
      opts.onStdout?.(c);
      // One data event per turn of the event loop, so concurrent commands interleave.
      if (r.chunks) await new Promise((resolve) => setImmediate(resolve));
    }
    if (r.stderr) opts.onStderr?.(Buffer.from(r.stderr));
    if (opts.collect === false) return { code: r.code, stdout: '', stderr: '' };
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }
  async close(): Promise<void> {}
}

const spec = (name: string): HostSpec => ({
  name,
  address: name,
  user: 'u',
  port: 22,
  hostKeyPolicy: 'strict',
  connectTimeoutMs: 1000,
  docker: 'docker',
  sudo: false,
  labels: {},
});

const task = (t: string, host: string): ResolvedTask => ({
  service: 's',
  job: 'j',
  task: t,
  host,
  container: `s-j-${t}`,
  spec: {
    image: 'i',
    env: {},
    secrets: [],
    ports: [],
    volumes: [],
    labels: {},
    restart: 'unless-stopped',
  },
  secretHashes: {},
  hash: 'h',
});

describe('readLogs', () => {
  const sink = (lines: LogLine[], errors: string[]) => ({
    line: (l: LogLine) => lines.push(l),
    taskFailed: (t: ResolvedTask, e: Error) => errors.push(`${t.task}: ${e.message}`),
    hostFailed: (h: string, e: Error) => errors.push(`host ${h}: ${e.message}`),
    warn: (m: string) => errors.push(`warn ${m}`),
  });

  test('without --follow: lines of all tasks merged by time, streams kept apart, docker messages become errors', async () => {
    const transports: Record<string, FakeTransport> = {
      h1: new FakeTransport('h1', () => ({
        code: 0,
        stdout: '2026-01-01T00:00:01Z one\n2026-01-01T00:00:03.5Z three\n',
        stderr: '2026-01-01T00:00:02Z warn two\n',
      })),
      h2: new FakeTransport('h2', () => ({
        code: 0,
        stdout: '2026-01-01T00:00:03.25Z between\n',
        stderr: '',
      })),
      h3: new FakeTransport('h3', () => ({
        code: 1,
        stdout: '',
        stderr: 'Error: No such container: s-j-c\n',
      })),
    };
    const hostOf = (h: string) => new HostDocker(spec(h), transports[h]!, 1000);
    const lines: LogLine[] = [];
    const errors: string[] = [];
    const result = await readLogs(
      [task('a', 'h1'), task('b', 'h2'), task('c', 'h3')],
      hostOf,
      { tail: 5, follow: false, parallel: 4 },
      sink(lines, errors),
    );
    expect(lines.map((l) => `${l.task}@${l.host} ${l.stream} ${l.line}`)).toEqual([
      'a@h1 stdout one',
      'a@h1 stderr warn two',
      'b@h2 stdout between',
      'a@h1 stdout three',
    ]);
    expect(lines[0]).toEqual({
      service: 's',
      job: 'j',
      task: 'a',
      host: 'h1',
      stream: 'stdout',
      time: '2026-01-01T00:00:01Z',
      line: 'one',
    });
    expect(errors).toEqual(['c: s-j-c does not exist on h3']);
    expect(result).toEqual({ failedTasks: 1, failedHosts: [] });
    expect(transports.h1!.calls[0]).toEqual([
      'docker',
      'logs',
      '--tail',
      '5',
      '--timestamps',
      's-j-a',
    ]);
    // Streamed, never collected (issue 15 item 3).
    expect(transports.h1!.collected).toEqual([false]);
  });

  test('without --follow: 200,000 lines of two tasks stream out merged (no spread, no sort of the whole)', async () => {
    const N = 100_000;
    const stamp = (i: number) =>
      `2026-01-01T00:00:${String(Math.floor(i / 10_000)).padStart(2, '0')}.${String(i % 10_000).padStart(4, '0')}Z`;
    // Each task's log arrives in 64 KiB chunks, like an SSH channel's data events.
    const log = (host: string, parity: number) => {
      const text = Array.from(
        { length: N },
        (_, i) => `${stamp(2 * i + parity)} ${host} ${i}\n`,
      ).join('');
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let o = 0; o < bytes.length; o += 65536) chunks.push(bytes.subarray(o, o + 65536));
      return chunks;
    };
    const chunks = { h1: log('h1', 0), h2: log('h2', 1) };
    const hostOf = (h: string) =>
      new HostDocker(
        spec(h),
        new FakeTransport(h, () => ({
          code: 0,
          stdout: '',
          stderr: '',
          chunks: chunks[h as 'h1'],
        })),
        1000,
      );
    let count = 0;
    let misplaced = 0;
    const errors: string[] = [];
    await readLogs(
      [task('a', 'h1'), task('b', 'h2')],
      hostOf,
      { follow: false, parallel: 2 },
      {
        ...sink([], errors),
        line: (l) => {
          // Alternating hosts: line k is host h1 for even k, number k/2.
          const want = `${count % 2 === 0 ? 'h1' : 'h2'} ${Math.floor(count / 2)}`;
          if (l.line !== want) misplaced++;
          count++;
        },
      },
    );
    expect(errors).toEqual([]);
    expect(count).toBe(2 * N);
    expect(misplaced).toBe(0);
  });

  test('--follow: chunks split mid-line are joined; a host that cannot be reached is reported once', async () => {
    const chunks = ['2026-01-01T00:00:01Z hel', 'lo\n2026-01-01T00:00:02Z wor', 'ld\n'].map((c) =>
      Buffer.from(c),
    );
    const ok = new FakeTransport('h1', () => ({ code: 130, stdout: '', stderr: '', chunks }));
    const { HostError } = await import('../../../src/shared/errors.js');
    const down: Transport = {
      host: 'h2',
      exec: () => Promise.reject(new HostError('h2', 'lost', 'connection lost')),
      close: async () => {},
    };
    const hostOf = (h: string) => new HostDocker(spec(h), h === 'h1' ? ok : down, 1000);
    const controller = new AbortController();
    controller.abort();
    const lines: LogLine[] = [];
    const errors: string[] = [];
    const result = await readLogs(
      [task('a', 'h1'), task('b', 'h2'), task('c', 'h2')],
      hostOf,
      { follow: true, parallel: 1, signal: controller.signal },
      sink(lines, errors),
    );
    expect(lines.map((l) => l.line)).toEqual(['hello', 'world']);
    expect(errors).toEqual(['host h2: h2: connection lost']);
    expect(result).toEqual({ failedTasks: 0, failedHosts: ['h2'] });
    expect(ok.calls[0]).toEqual([
      'sh',
      '-c',
      FOLLOW_SCRIPT,
      'sh',
      'docker',
      'logs',
      '--follow',
      '--timestamps',
      's-j-a',
    ]);
  });
});

describe('FOLLOW_SCRIPT under a real sh', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  test('the followed command dies soon after its reader goes away', async () => {
    // A quiet `docker logs -f`: prints its pid, then becomes a long sleep.
    const child = spawn('sh', ['-c', FOLLOW_SCRIPT, 'sh', 'sh', '-c', 'echo $$; exec sleep 600'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = await new Promise<number>((resolve) =>
      child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))),
    );
    expect(alive(pid)).toBe(true);
    // The channel closes: both pipes lose their reader.
    child.stdout.destroy();
    child.stderr.destroy();
    const end = Date.now() + 8000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
    const code = await new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.on('close', resolve),
    );
    expect(code).not.toBeNull();
  }, 15_000);

  test('a command that ends by itself ends the script with its exit code', async () => {
    const child = spawn('sh', ['-c', FOLLOW_SCRIPT, 'sh', 'sh', '-c', 'echo done; exit 7'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(out).toBe('done\n');
    expect(code).toBe(7);
  }, 15_000);
});
