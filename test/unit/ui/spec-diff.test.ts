import { describe, expect, it } from 'vitest';
import { diffLines, prettySorted } from '../../../src/ui/spec-diff.js';

describe('spec diff', () => {
  it('sorts keys so reordering is not a change', () => {
    expect(prettySorted({ b: 1, a: { d: 2, c: 3 } })).toBe(
      prettySorted({ a: { c: 3, d: 2 }, b: 1 }),
    );
  });
  it('shows removed and added lines around common ones', () => {
    const before = prettySorted({ image: 'web:1', env: { A: '1' } });
    const after = prettySorted({ image: 'web:2', env: { A: '1' } });
    const d = diffLines(before, after);
    expect(d.filter((l) => l.op === '-').map((l) => l.text.trim())).toEqual(['"image": "web:1"']);
    expect(d.filter((l) => l.op === '+').map((l) => l.text.trim())).toEqual(['"image": "web:2"']);
    expect(d.filter((l) => l.op === ' ').length).toBe(before.split('\n').length - 1);
  });
  it('is all common for equal inputs', () => {
    expect(diffLines('a\nb', 'a\nb').every((l) => l.op === ' ')).toBe(true);
  });
});
