/**
 * Registry access through a per-run client config dir (`tmpDir(run)`), so no credential
 * outlives the run on the target. The password is never an argument: it is the stdin.
 *
 * @example loginArgv('.deploy/tmp/01J', 'registry.example.com', 'ci')
 * // ['docker', '--config', '.deploy/tmp/01J', 'login', '--username', 'ci', '--password-stdin', 'registry.example.com']
 */
export function loginArgv(configDir: string, server: string, username: string): string[] {
  return [
    'docker',
    '--config',
    configDir,
    'login',
    '--username',
    username,
    '--password-stdin',
    server,
  ];
}

/** @example pullArgv('.deploy/tmp/01J', 'registry.example.com/coding/web:1.0.0') */
export function pullArgv(configDir: string, image: string): string[] {
  return ['docker', '--config', configDir, 'pull', '--quiet', image];
}
