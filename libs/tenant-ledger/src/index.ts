export { ensureBookkeeping } from './ledger-schema.js';
export {
  provisionRolloutId,
  schedulerExecutorId,
  readAppliedVersions,
  recordedFingerprint,
  recordAppliedVersion,
  recordProvisionedVersion,
  type AppliedVersion,
  type AppliedRecord,
} from './applied-versions.js';
export { readProgress, recordProgress } from './plan-progress.js';
export { readCatalogStamp, recordCatalogStamp, type CatalogStampRow } from './catalog-stamps.js';
export { simulationSchema, simulatedFleetDdl, prepareSimulatedDatabase, isSimulatedDatabase, standInRan, recordStandInRun, standInRecord } from './simulated-fleet.js';
