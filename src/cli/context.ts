/** Global flags (SPEC §3), accepted before or after the command name. */
export interface GlobalOptions {
  dir: string;
  inventory?: string;
  json: boolean;
  parallel: number;
  timeoutMs: number;
  lockWaitMs: number;
  color: boolean;
  verbose: boolean;
  yes: boolean;
}
