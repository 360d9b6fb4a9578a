/** The deploy ledger (SPEC §5): `ledger/<service>.jsonl` in the config repository. */
export { ulid, ulidTime } from './ulid.js';
export {
  assertNoSecretValues,
  buildEntry,
  entryProblems,
  entrySchema,
  toolVersion,
  MIN_GUARDED_SECRET_LENGTH,
  type EntryFields,
  type LedgerAction,
  type LedgerEntry,
  type LedgerOutcome,
  type LedgerTask,
} from './entry.js';
export {
  appendEntries,
  checkLedgerWritable,
  findEntries,
  ledgerLockPath,
  LedgerWriteError,
  readLedger,
  ledgerFile,
  LEDGER_DIR,
  type AppendOptions,
  type EntryLookup,
  type LedgerProblem,
  type LedgerRead,
} from './store.js';
export { LedgerLockTimeout, withFileLock } from './lock.js';
export { whoAmI, configState } from './identity.js';
export {
  canonicalJson,
  jobChanges,
  jobOf,
  jobSpecKey,
  serviceSpec,
  specOf,
  type JobChange,
  type LedgerJobSpec,
  type LedgerServiceSpec,
  type LedgerTaskSpec,
} from './spec.js';
export {
  defaultRollbackTarget,
  findEntry,
  jobSucceededIn,
  runningEntry,
  type RunningEntry,
} from './rollback-target.js';
export {
  entryImages,
  filterEntries,
  resolveLedgerTarget,
  type TargetFilter,
} from './target-filter.js';
