/**
 * The config files the guides in docs/guides/ show: each ```yaml block whose first line is
 * `# inventories/NAME.yml` or `# jobs/NAME.yml`, grouped into one repository per `## `
 * section of a guide. A section with an inventory but no job file uses first-deploy.md's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GuideRepo {
  name: string; // "staging.md § 1. A second inventory"
  files: Record<string, string>;
}

const FILE_LINE = /^# ((?:inventories|jobs)\/[a-z0-9][a-z0-9_-]*\.yml)\s*$/;

export function guideRepos(dir: string): GuideRepo[] {
  const repos: GuideRepo[] = [];
  const guides = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort();
  for (const guide of guides) {
    let section = '';
    let current: GuideRepo | undefined;
    const lines = readFileSync(join(dir, guide), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('## ')) {
        section = line.slice(3);
        current = undefined;
      }
      if (line.trim() !== '```yaml') continue;
      const end = lines.indexOf('```', i + 1);
      const block = lines.slice(i + 1, end);
      i = end;
      const path = FILE_LINE.exec(block[0] ?? '')?.[1];
      if (!path) continue;
      if (!current) {
        current = { name: `${guide} § ${section}`, files: {} };
        repos.push(current);
      }
      current.files[path] = block.slice(1).join('\n') + '\n';
    }
  }
  const base = repos.find((r) => r.name.startsWith('first-deploy.md'));
  for (const r of repos) {
    if (base && !Object.keys(r.files).some((p) => p.startsWith('jobs/')))
      for (const [p, text] of Object.entries(base.files))
        if (p.startsWith('jobs/')) r.files[p] = text;
  }
  return repos;
}
