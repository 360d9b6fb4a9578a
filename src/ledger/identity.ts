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
  const [name, email] = await Promise.all([
    git(repoDir, ['config', 'user.name'], env),
    git(repoDir, ['config', 'user.email'], env),
  ]);
  const n = name.ok ? name.stdout.trim() : '';
  const e = email.ok ? email.stdout.trim() : '';
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
  const inside = await git(repoDir, ['rev-parse', '--is-inside-work-tree']);
  if (!inside.ok || inside.stdout.trim() !== 'true') return { commit: null, dirty: null };
  const [head, status] = await Promise.all([
    git(repoDir, ['rev-parse', '--verify', '-q', 'HEAD']),
    git(repoDir, [
      'status',
      '--porcelain',
      '--untracked-files=normal',
      '--',
      '.',
      ':(exclude)ledger',
    ]),
  ]);
  return {
    commit: head.ok && head.stdout.trim() ? head.stdout.trim() : null,
    dirty: status.ok ? status.stdout.trim() !== '' : null,
  };
}
