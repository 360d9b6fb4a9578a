/**
 * Who is deploying and from which config state: read-only git queries (deploy never
 * commits). Every git call is bounded and its failure means "unknown", never an error.
 */
import { execFile } from 'node:child_process';
import { hostname, userInfo } from 'node:os';

function git(
  repoDir: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      {
        cwd: repoDir,
        timeout: 10_000,
        maxBuffer: 16 * 1024 * 1024,
        // A read must not take git's index lock or refresh the index (a concurrent commit in CI).
        env: { ...env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      },
      (err, stdout) => resolve({ ok: !err, stdout: String(stdout) }),
    );
  });
}

/** `$DEPLOY_USER`, else git `user.name <user.email>`, else `$USER@hostname`. */
export async function whoAmI(
  repoDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const explicit = env.DEPLOY_USER?.trim();
  if (explicit) return explicit;
  // One git process for both (they are read before any host is locked).
  const config = await git(repoDir, ['config', '--get-regexp', '^user\\.(name|email)$'], env);
  const values = new Map<string, string>();
  // Scopes print system → global → local: the last one wins, as with `git config user.name`.
  for (const line of config.ok ? config.stdout.split('\n') : []) {
    const space = line.indexOf(' ');
    if (space > 0) values.set(line.slice(0, space).toLowerCase(), line.slice(space + 1).trim());
  }
  const n = values.get('user.name') ?? '';
  const e = values.get('user.email') ?? '';
  if (n && e) return `${n} <${e}>`;
  if (n) return n;
  if (e) return `<${e}>`;
  let user = env.USER?.trim() || env.LOGNAME?.trim() || '';
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}

/**
 * The config repo's HEAD commit and whether the config (everything but `ledger/`) differs
 * from it. Both null outside a git work tree; commit null before the first commit.
 */
export async function configState(
  repoDir: string,
): Promise<{ commit: string | null; dirty: boolean | null }> {
  // One git process: `--branch` heads the entries with `# branch.oid <sha>|(initial)`; it
  // fails outside a work tree.
  const status = await git(repoDir, [
    'status',
    '--porcelain=v2',
    '--branch',
    '--untracked-files=normal',
    '--',
    '.',
    ':(exclude)ledger',
  ]);
  if (!status.ok) return { commit: null, dirty: null };
  const lines = status.stdout.split('\n').filter((l) => l !== '');
  const oid = lines.find((l) => l.startsWith('# branch.oid '))?.slice('# branch.oid '.length);
  return {
    commit: oid && /^[0-9a-f]{40,64}$/.test(oid) ? oid : null,
    dirty: lines.some((l) => !l.startsWith('#')),
  };
}
