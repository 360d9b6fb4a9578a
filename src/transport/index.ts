export { createPool } from './pool.js';
export type { HostPool, PoolOptions } from './pool.js';
export type { ExecOptions, ExecResult, Transport } from './types.js';
export { remoteCommand } from './ssh-transport.js';
