/** The identity labels every deploy container carries (SPEC §2). */
export const LABEL = {
  service: 'deploy.service',
  job: 'deploy.job',
  task: 'deploy.task',
  host: 'deploy.host',
  inventory: 'deploy.inventory',
  hash: 'deploy.hash',
  version: 'deploy.version',
  /** Canonical JSON of the task spec plus secret hashes: lets `plan` name the fields that differ. */
  spec: 'deploy.spec',
} as const;
