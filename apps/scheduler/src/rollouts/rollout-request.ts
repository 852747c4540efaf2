import { DriftPolicy, Rollout, RolloutState, type CreateRolloutRequest } from '@fleetshift/contracts';
import { rolloutDefaults } from '../defaults.js';
import { InvalidRequestError } from '@fleetshift/telemetry';
import { assertBlueprintName } from '../schemas/push-schema-version.js';

/**
 * Checks a CreateRolloutRequest's own fields and fills the defaults: batch_size 50 when absent (an
 * explicit 0 is refused), 4 batches in flight, tenant concurrency 4, drift policy REPLAN.
 */
export function rolloutFromRequest(request: CreateRolloutRequest, id: string): Rollout {
  assertBlueprintName(request.blueprint);
  if (request.batchSize === 0) throw new InvalidRequestError('batch_size must be at least 1 (leave it unset for the default of 50)');
  const policy = request.failurePolicy;
  const ratio = policy?.maxFailureRatio ?? 0;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new InvalidRequestError(`failure_policy.max_failure_ratio ${ratio} must be between 0 and 1`);
  }
  const onDrift = policy?.onDrift || DriftPolicy.DRIFT_POLICY_REPLAN;
  if (onDrift !== DriftPolicy.DRIFT_POLICY_REPLAN && onDrift !== DriftPolicy.DRIFT_POLICY_FAIL) {
    throw new InvalidRequestError(`failure_policy.on_drift ${policy?.onDrift} is not a drift policy`);
  }
  return Rollout.fromPartial({
    id,
    blueprint: request.blueprint,
    version: request.version,
    state: RolloutState.ROLLOUT_STATE_PENDING,
    selector: {
      tenantIds: request.selector?.tenantIds ?? [],
      labels: request.selector?.labels ?? {},
      clusterIds: request.selector?.clusterIds ?? [],
    },
    batchSize: request.batchSize ?? rolloutDefaults.batchSize,
    maxBatchesInFlight: request.maxBatchesInFlight || rolloutDefaults.maxBatchesInFlight,
    tenantConcurrency: request.tenantConcurrency || rolloutDefaults.tenantConcurrency,
    canary: request.canary,
    failurePolicy: { maxFailedTenants: policy?.maxFailedTenants ?? 0, maxFailureRatio: ratio, onDrift },
    allowedHazards: request.allowedHazards,
    dryRun: request.dryRun,
  });
}
