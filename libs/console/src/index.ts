export { followRolloutProgress, describeThrottles, isFinalRolloutState, type RolloutProgressOptions, type RolloutUpdateStream } from './rollout-progress.js';
export { renderTable, renderKeyValues, rolloutStateName, rolloutSummaryRows, type TableOptions } from './tables.js';
