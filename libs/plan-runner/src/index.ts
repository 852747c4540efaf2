export { runPlan, type RunPlanOptions, type RunPlanResult } from './run-plan.js';
export { RunDeferred, StepFailed, type RunProgress } from './run-errors.js';
export { planUnits, type PlanUnit } from './plan-units.js';
export { isLockTimeout, retryTiming, type BackoffPolicy, type StepTimeouts } from './lock-retry.js';
export { stepSettings, type StepSettings } from './step-session.js';
export { renderSqlScript } from './render-psql-script.js';
