import { ManualThrottleMode, type HealthMonitorServiceServer } from '@fleetshift/contracts';
import { InvalidRequestError } from '@fleetshift/telemetry';
import { assertCleanStrings, assertEnum, assertId, assertUint, maxTextLength, type ServiceValidators } from '@fleetshift/telemetry/request-fields';

/**
 * The monitor's checks of every request field of every RPC, run before the handler (validatedService):
 * cluster ids as the bus names them, a known override mode, a bounded reason and ttl, no NUL. A refused
 * request answers INVALID_ARGUMENT naming the field; an unknown (well-formed) cluster stays NOT_FOUND.
 */

const clusterIdPattern = /^[A-Za-z0-9_-]{1,63}$/;
const clusterIdRule = "letters, digits, '-' and '_' (at most 63)";
/** An override lasts at most a year; longer is a mistake (0 means until cleared). */
const maxTtlSeconds = 366 * 24 * 3600;

function clean(request: object): void {
  assertCleanStrings(request, '', () => maxTextLength);
}

export function healthMonitorValidators(): ServiceValidators<HealthMonitorServiceServer> {
  return {
    getClusterHealth(request) {
      clean(request);
      assertId('cluster_id', request.clusterId, clusterIdPattern, clusterIdRule, { required: true });
    },
    listClusterHealth(request) {
      clean(request);
    },
    setManualThrottle(request) {
      clean(request);
      if (!request.clusterId) throw new InvalidRequestError('cluster_id is required (a cluster id, or "*" for every cluster)');
      if (request.clusterId !== '*') assertId('cluster_id', request.clusterId, clusterIdPattern, `${clusterIdRule}, or "*" for every cluster`);
      assertEnum('mode', request.mode, ManualThrottleMode);
      assertUint('ttl_seconds', request.ttlSeconds, maxTtlSeconds);
    },
    watchThrottle(request) {
      clean(request);
      if (request.clusterIds.length > 1000) throw new InvalidRequestError(`cluster_ids: at most 1000 values (${request.clusterIds.length} given)`);
      request.clusterIds.forEach((id, i) => assertId(`cluster_ids[${i}]`, id, clusterIdPattern, clusterIdRule, { required: true }));
    },
  };
}
