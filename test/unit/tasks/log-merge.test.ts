import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BoundedMerge, MERGE_WINDOW } from '../../../src/tasks/log-merge.js';
import { LineSplitter } from '../../../src/tasks/log-lines.js';

interface V {
  src: number;
  t: number;
  seq: number;
  text?: string;
}

function merge(sources: number, window = MERGE_WINDOW) {
  const out: V[] = [];
  const m = new BoundedMerge<V>({
    sources,
    emit: (v) => out.push(v),
    key: (v) => [v.t, 0],
    size: (v) => v.text?.length ?? 1,
    window,
  });
  return { m, out };
}

describe('BoundedMerge (issue 15 item 3)', () => {
  test('waits for every open source, then emits in time order; ties go to the lower source', () => {
    const { m, out } = merge(3);
    m.push(0, { src: 0, t: 5, seq: 0 });
    m.push(1, { src: 1, t: 1, seq: 0 });
    expect(out).toEqual([]); // source 2 may still send something older
    m.push(2, { src: 2, t: 5, seq: 0 });
    expect(out.map((v) => `${v.src}@${v.t}`)).toEqual(['1@1']);
    m.end(1);
    // Source 0 is open and may send another t=5, which would go before source 2's.
    expect(out.map((v) => `${v.src}@${v.t}`)).toEqual(['1@1', '0@5']);
    m.end(0);
    expect(out.map((v) => `${v.src}@${v.t}`)).toEqual(['1@1', '0@5', '2@5']);
    m.flush();
    expect(out).toHaveLength(3);
  });

  test('an ended source does not hold the others back', () => {
    const { m, out } = merge(2);
    m.end(1);
    m.push(0, { src: 0, t: 3, seq: 0 });
    m.push(0, { src: 0, t: 4, seq: 1 });
    expect(out.map((v) => v.t)).toEqual([3, 4]);
  });

  test('a silent open source holds at most the window: then lines go out anyway, in order', () => {
    const { m, out } = merge(2, { lines: 100, chars: 1e9 });
    for (let i = 0; i < 1000; i++) m.push(0, { src: 0, t: i, seq: i });
    expect(out).toHaveLength(900);
    expect(out.every((v, i) => v.seq === i)).toBe(true);
    expect(m.peakWaiting).toBe(101);
    m.flush();
    expect(out).toHaveLength(1000);
  });

  test('the character window bounds memory for long lines', () => {
    const { m, out } = merge(2, { lines: 1e9, chars: 1000 });
    const text = 'x'.repeat(300);
    for (let i = 0; i < 10; i++) m.push(0, { src: 0, t: i, seq: i, text });
    expect(out).toHaveLength(7); // 3 × 300 = 900 may wait
    m.flush();
    expect(out.map((v) => v.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('300,000 lines of one source with another silent: all out, in order, bounded by the default window', () => {
    const { m, out } = merge(2);
    for (let i = 0; i < 300_000; i++) m.push(0, { src: 0, t: i, seq: i });
    expect(m.peakWaiting).toBe(MERGE_WINDOW.lines + 1);
    m.end(0);
    m.end(1);
    expect(out).toHaveLength(300_000);
    let wrong = 0;
    for (let i = 0; i < out.length; i++) if (out[i]!.seq !== i) wrong++;
    expect(wrong).toBe(0);
  });

  test('property: with a window larger than the input, any interleaving gives the stable sort', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat({ max: 20 }), { maxLength: 30 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        (deltas, picks) => {
          // Each source's times are non-decreasing (as docker writes them).
          const sources = deltas.map((ds, src) => {
            let t = 0;
            return ds.map((d, seq) => ({ src, t: (t += d), seq }));
          });
          const { m, out } = merge(sources.length, { lines: 1e9, chars: 1e9 });
          const next = sources.map(() => 0);
          let p = 0;
          for (;;) {
            const live = sources.map((s, i) => i).filter((i) => next[i]! < sources[i]!.length);
            if (live.length === 0) break;
            const i = live[(picks[p++] ?? 0) % live.length]!;
            m.push(i, sources[i]![next[i]!]!);
            next[i]! += 1;
            if (next[i] === sources[i]!.length && (picks[p++] ?? 0) % 2 === 0) m.end(i);
          }
          m.flush();
          const expected = sources
            .flat()
            .sort((a, b) => a.t - b.t || a.src - b.src || a.seq - b.seq);
          expect(out).toEqual(expected);
        },
      ),
    );
  });

  test('property: with any window, each source keeps its own order and nothing is lost', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat({ max: 5 }), { maxLength: 40 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        (deltas, lines, picks) => {
          const sources = deltas.map((ds, src) => {
            let t = 0;
            return ds.map((d, seq) => ({ src, t: (t += d), seq }));
          });
          const { m, out } = merge(sources.length, { lines, chars: 1e9 });
          const next = sources.map(() => 0);
          let p = 0;
          for (;;) {
            const live = sources.map((_, i) => i).filter((i) => next[i]! < sources[i]!.length);
            if (live.length === 0) break;
            const i = live[(picks[p++] ?? 0) % live.length]!;
            m.push(i, sources[i]![next[i]!]!);
            next[i]! += 1;
            expect(m.peakWaiting).toBeLessThanOrEqual(lines + 1);
          }
          m.flush();
          expect(out).toHaveLength(sources.flat().length);
          for (let s = 0; s < sources.length; s++)
            expect(out.filter((v) => v.src === s).map((v) => v.seq)).toEqual(
              sources[s]!.map((v) => v.seq),
            );
        },
      ),
    );
  });

  test('pushing to an ended source is a bug', () => {
    const { m } = merge(1);
    m.end(0);
    expect(() => m.push(0, { src: 0, t: 0, seq: 0 })).toThrow(/ended/);
  });
});

describe('LineSplitter bounds a line', () => {
  test('a line longer than the cap keeps its head and says how much went', () => {
    const s = new LineSplitter(10);
    expect(s.push('2026-01-01')).toEqual([]);
    expect(s.push('T00:00:00Z and more text')).toEqual([]);
    expect(s.push(' end\nnext\n')).toEqual(['2026-01-01 … 28 characters elided …', 'next']);
    expect(s.push('0123456789ABC')).toEqual([]);
    expect(s.end()).toEqual(['0123456789 … 3 characters elided …']);
  });

  test('300,000 lines in 64 KiB chunks split in linear time', () => {
    const text = Array.from({ length: 300_000 }, (_, i) => `line ${i}\n`).join('');
    const bytes = Buffer.from(text);
    const s = new LineSplitter();
    let n = 0;
    const started = Date.now();
    for (let o = 0; o < bytes.length; o += 65536) n += s.push(bytes.subarray(o, o + 65536)).length;
    n += s.end().length;
    expect(n).toBe(300_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
