/** `deploy exec` (SPEC §8.3): the docker argv that runs a command in a running container. */

export interface ExecFlags {
  /** `-i`: keep the command's stdin open (deploy streams its own stdin to it). */
  interactive?: boolean;
  /** `-t`: a terminal for the command (the SSH channel then carries a PTY). */
  tty?: boolean;
}

/**
 * `docker exec` of `command` in `container`; the command's words are passed as they are
 * (rendered by shared/command.ts, never joined here).
 * @example execArgv('shop-web-1', ['sh', '-c', 'exit 7'], { interactive: true })
 * // ['docker', 'exec', '-i', 'shop-web-1', 'sh', '-c', 'exit 7']
 */
export function execArgv(
  container: string,
  command: readonly string[],
  flags: ExecFlags = {},
): string[] {
  return [
    'docker',
    'exec',
    ...(flags.interactive ? ['-i'] : []),
    ...(flags.tty ? ['-t'] : []),
    container,
    ...command,
  ];
}

/** `true`/`false`: whether the container is running (exit 1 when it does not exist). */
export function runningArgv(container: string): string[] {
  return ['docker', 'inspect', '--type', 'container', '--format', '{{.State.Running}}', container];
}
