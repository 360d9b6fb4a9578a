import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderStatusHtml, writeStatusHtml } from '../../../src/ui/report.js';
import { project, report } from './fixture.js';

describe('status --html', () => {
  it('is one self-contained file: inline CSS, no external references, escaped text', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ui-report-')), 'status.html');
    await writeStatusHtml(file, project, report);
    const out = readFileSync(file, 'utf8');
    expect(out).toBe(
      renderStatusHtml(
        project,
        report,
        new Date(Date.parse(out.match(/generated ([^<\s]+)/)![1]!)),
      ),
    );
    expect(out).toContain('<style>');
    const tags = out.match(/<[a-z][^>]*>/gi) ?? [];
    expect(
      tags.filter((t) => /^<(link|script|img|iframe|object|embed)|\s(src|href|action)=/i.test(t)),
    ).toEqual([]);
    expect(out).not.toMatch(/url\(|@import/i);
    expect(out).not.toContain('<img');
    expect(out).toContain('web-1');
    expect(out).toContain('h2</b> (127.0.0.12) is unreachable');
  });
});
