// Loopback addresses and ports are shared by everything on the machine (a user's sandbox,
// another test run, a clean-clone CI run). A sandbox claims each address:port it will bind
// with an exclusive file, and probes that nothing else is listening there.
import {
  mkdirSync,
  openSync,
  writeSync,
  closeSync,
  readFileSync,
  unlinkSync,
  existsSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isAlive } from './proc.js';

const CLAIMS_DIR = '/run/deploy-sandbox/claims';

interface Claim {
  root: string;
  pid: number;
}

/** Resolves true when nothing listens on address:port (we can bind it ourselves). */
export function isBindable(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: address, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function claimPath(address: string, port: number): string {
  return join(CLAIMS_DIR, `${address}_${port}`);
}

function claimIsLive(c: Claim): boolean {
  // A claim lives while its claimant runs, or while its sandbox's state file exists.
  return isAlive(c.pid) || existsSync(join(c.root, 'state.json'));
}

/** Takes address:port for `root`; false when another live sandbox holds it or it is in use. */
export async function claim(root: string, address: string, port: number): Promise<boolean> {
  mkdirSync(CLAIMS_DIR, { recursive: true });
  const path = claimPath(address, port);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ root, pid: process.pid } satisfies Claim));
      closeSync(fd);
      if (await isBindable(address, port)) return true;
      unlinkSync(path);
      return false;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: Claim | undefined;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as Claim;
      } catch {
        holder = undefined;
      }
      if (holder && holder.root === root)
        return isBindable(address, port).then((free) => free || false);
      if (holder && claimIsLive(holder)) return false;
      try {
        unlinkSync(path);
      } catch {
        /* raced with another claimant: retry decides */
      }
    }
  }
  return false;
}

export function claimHolder(address: string, port: number): string | undefined {
  try {
    return (JSON.parse(readFileSync(claimPath(address, port), 'utf8')) as Claim).root;
  } catch {
    return undefined;
  }
}

export function release(root: string, address: string, port: number): void {
  const path = claimPath(address, port);
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Claim;
    if (holder.root === root) unlinkSync(path);
  } catch {
    /* nothing to release */
  }
}
