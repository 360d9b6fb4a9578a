import { describe, expect, test } from 'vitest';
import { LocalTransport } from '../../../src/transport/local-transport.js';
import { MAX_COLLECTED_BYTES, OutputCollector } from '../../../src/transport/output-collector.js';

describe('OutputCollector (issue 15 item 3: a bounded collector for every remote command)', () => {
  test('under the cap: everything, byte for byte, UTF-8 split across chunks intact', () => {
    const c = new OutputCollector(64);
    const bytes = Buffer.from('héllo → wörld\n');
    for (let i = 0; i < bytes.length; i += 3) c.push(bytes.subarray(i, i + 3));
    expect(c.text()).toBe('héllo → wörld\n');
    expect(c.elided).toBe(0);
  });

  test('over the cap: head and tail kept, the middle counted and marked', () => {
    const c = new OutputCollector(20);
    const text = Array.from({ length: 100 }, (_, i) => String(i % 10)).join(''); // 0123456789…
    for (let i = 0; i < text.length; i += 7) c.push(Buffer.from(text.slice(i, i + 7)));
    expect(c.seen).toBe(100);
    expect(c.elided).toBe(80);
    expect(c.text()).toBe('0123456789\n… 80 bytes elided …\n0123456789');
  });

  test('one chunk larger than the whole cap', () => {
    const c = new OutputCollector(10);
    c.push(Buffer.from('abcdefghijklmnopqrstuvwxyz'));
    expect(c.text()).toBe('abcde\n… 16 bytes elided …\nvwxyz');
    c.push(Buffer.from('12'));
    expect(c.text()).toBe('abcde\n… 18 bytes elided …\nxyz12');
  });

  test('the default cap is 64 MiB per stream: 200 MiB in keeps 64 MiB', () => {
    const c = new OutputCollector();
    const mib = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 200; i++) c.push(mib);
    expect(MAX_COLLECTED_BYTES).toBe(64 * 1024 * 1024);
    expect(c.elided).toBe(136 * 1024 * 1024);
    const text = c.text();
    expect(text.length).toBe(
      MAX_COLLECTED_BYTES + `\n… ${136 * 1024 * 1024} bytes elided …\n`.length,
    );
  });

  test('a real command printing 80 MB through the local transport comes back capped', async () => {
    const t = new LocalTransport('laptop', { timeoutMs: 60_000 });
    const r = await t.exec(['sh', '-c', 'yes 0123456789 | head -c 80000000']);
    expect(r.code).toBe(0);
    const elided = 80_000_000 - MAX_COLLECTED_BYTES;
    expect(r.stdout).toContain(`\n… ${elided} bytes elided …\n`);
    expect(r.stdout.length).toBeLessThan(MAX_COLLECTED_BYTES + 100);
    expect(r.stdout.startsWith('0123456789\n0123456789\n')).toBe(true);
  });

  test('streaming readers still see every byte', async () => {
    const t = new LocalTransport('laptop', { timeoutMs: 60_000 });
    let seen = 0;
    const r = await t.exec(['sh', '-c', 'head -c 70000000 /dev/zero'], {
      collect: false,
      onStdout: (chunk) => (seen += chunk.length),
    });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(seen).toBe(70_000_000);
  });
});
