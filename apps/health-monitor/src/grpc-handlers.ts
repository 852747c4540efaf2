import * as grpc from '@grpc/grpc-js';
import {
  GetClusterHealthResponse,
  ListClusterHealthResponse,
  SetManualThrottleResponse,
  WatchThrottleResponse,
  type HealthMonitorServiceServer,
  type ThrottleSignal,
} from '@fleetshift/contracts';
import { UnknownClusterError, type FleetMonitor } from './fleet-monitor.js';
import { OverrideNotSavedError } from './override-store.js';
import { healthMonitorValidators } from './request-validation.js';
import { validatedService } from '@fleetshift/telemetry/request-fields';
import { decodePageToken, InvalidRequestError, pageOf, pageSizeOf } from '@fleetshift/telemetry';

/** Translates HealthMonitorService calls to the FleetMonitor and back, each request checked first. */
export function healthMonitorHandlers(monitor: FleetMonitor): HealthMonitorServiceServer {
  return validatedService<HealthMonitorServiceServer>({
    getClusterHealth(call, callback) {
      respond(callback, () => GetClusterHealthResponse.fromPartial({ health: monitor.health(call.request.clusterId) }));
    },

    listClusterHealth(call, callback) {
      respond(callback, () => {
        // Keyset paging over the cluster ids (sorted), like every list call.
        const { pageSize, pageToken } = call.request;
        const after = (decodePageToken('ListClusterHealth', {}, pageToken, ['s'])?.[0] as string | undefined) ?? '';
        const size = pageSizeOf({ pageSize });
        const rows = monitor.list().filter((health) => health.clusterId > after).sort((a, b) => (a.clusterId < b.clusterId ? -1 : 1));
        const page = pageOf(rows.slice(0, size + 1), size, 'ListClusterHealth', {}, (health) => [health.clusterId]);
        return ListClusterHealthResponse.fromPartial({ clusters: page.items, nextPageToken: page.nextPageToken });
      });
    },

    setManualThrottle(call, callback) {
      const { clusterId, mode, reason, ttlSeconds } = call.request;
      if (!clusterId) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: 'cluster_id is required (a cluster id, or "*" for every cluster)' });
        return;
      }
      monitor.setManual(clusterId, mode, reason, ttlSeconds).then(
        (clusters) => callback(null, SetManualThrottleResponse.fromPartial({ clusters })),
        (error: unknown) => callback(toStatus(error)),
      );
    },

    watchThrottle(call) {
      const wanted = new Set(call.request.clusterIds);
      const includeHeartbeats = call.request.includeHeartbeats;
      const matches = (signal: ThrottleSignal) => wanted.size === 0 || wanted.has(signal.clusterId);
      // The current state first, so that a watcher knows where each cluster stands.
      for (const signal of monitor.lastSignals().filter(matches)) {
        call.write(WatchThrottleResponse.fromPartial({ signal: { ...signal, heartbeat: false } }));
      }
      const end = () => {
        unsubscribe();
        if (!call.writableEnded) call.end();
      };
      const unsubscribe = monitor.feed.subscribe({
        onSignal(signal) {
          if (!matches(signal) || (signal.heartbeat && !includeHeartbeats)) return;
          call.write(WatchThrottleResponse.fromPartial({ signal }));
        },
        onClose: end,
      });
      call.on('cancelled', end);
      call.on('close', unsubscribe);
      call.on('error', unsubscribe);
    },
  }, healthMonitorValidators());
}

function respond<T>(callback: grpc.sendUnaryData<T>, produce: () => T): void {
  try {
    callback(null, produce());
  } catch (error) {
    callback(toStatus(error));
  }
}

function toStatus(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof InvalidRequestError) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  if (error instanceof UnknownClusterError) return { code: grpc.status.NOT_FOUND, details: error.message };
  if (error instanceof OverrideNotSavedError) return { code: grpc.status.UNAVAILABLE, details: error.message };
  if (error instanceof Error && /^mode must be/.test(error.message)) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  return { code: grpc.status.INTERNAL, details: error instanceof Error ? error.message : String(error) };
}
