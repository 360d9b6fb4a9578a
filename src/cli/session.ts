/**
 * What every command that contacts hosts needs: the loaded project, a pool of host
 * connections, and Ctrl-C handling (SPEC §7.6: the first signal stops new work and lets
 * restores finish; a second one exits at once).
 */
import { loadProject, selectTargets, type Selection } from '../inventory/index.js';
import type { Project } from '../inventory/model.js';
import { openHosts, type HostSession } from '../tasks/use-cases/context.js';
import { escapeControl } from '../shared/quote.js';
import type { GlobalOptions } from './context.js';

/** The opened project, its host connections and Ctrl-C: what a use-case runs on. */
export interface Session extends HostSession {
  close(): Promise<void>;
}

export async function openSession(
  globals: GlobalOptions,
  opts: { requireSecrets: boolean },
): Promise<Session> {
  const project = await loadProject({
    dir: globals.dir,
    inventory: globals.inventory,
    requireSecrets: opts.requireSecrets,
  });
  if (!globals.json) {
    // Style warnings (tags, hash keys) belong to `validate`; here only what explains output:
    // a secret without a value makes its tasks' hashes, and so drift, unreliable.
    for (const w of project.warnings.filter((x) => x.kind === 'missing-secret')) {
      process.stderr.write(
        `warning: ${w.file}:${w.line}:${w.col}: ${w.path ? w.path + ': ' : ''}${w.message}\n`,
      );
    }
  }
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(
      '\ninterrupted: stopping; unfinished tasks are restored (press again to quit at once)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const pool = openHosts(project, {
    timeoutMs: globals.timeoutMs,
    onCommand: globals.verbose
      ? (host, display) => process.stderr.write(`[${host}] $ ${escapeControl(display)}\n`)
      : undefined,
  });
  return {
    project,
    pool,
    signal: controller.signal,
    close: async () => {
      await pool.closeAll();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Opens the session, runs `body`, and closes the session whatever `body` did. */
export async function withSession<T>(
  globals: GlobalOptions,
  opts: { requireSecrets: boolean },
  body: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession(globals, opts);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

/** A session with the command's selection: TARGET and the `--host` filters applied. */
export interface Targeted {
  session: Session;
  project: Project;
  selection: Selection;
  /** The `--host` values as given (host or group names). */
  hostFilter: string[];
}

/**
 * The opening every host command shares: session, `--host` filter, target selection, and
 * the session closed at the end (also when the selection itself is refused).
 */
export function withTargets<T>(
  globals: GlobalOptions,
  target: string | undefined,
  opts: { requireSecrets: boolean; host?: unknown },
  body: (targeted: Targeted) => Promise<T>,
): Promise<T> {
  return withSession(globals, opts, (session) => {
    const hostFilter = (opts.host as string[] | undefined) ?? [];
    const selection = selectTargets(session.project, target, hostFilter);
    return body({ session, project: session.project, selection, hostFilter });
  });
}
