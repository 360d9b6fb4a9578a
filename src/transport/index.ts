export { createPool } from './pool.js';
export type { HostPool, PoolOptions } from './pool.js';
export type {
  ExecOptions,
  ExecResult,
  HostDirectory,
  HostKeyPolicy,
  Transport,
  TransportHost,
} from './types.js';
export { remoteCommand } from './ssh-transport.js';
export type { RemoteForward } from './remote-forward.js';
