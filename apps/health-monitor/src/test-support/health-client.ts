import * as grpc from '@grpc/grpc-js';
import {
  HealthMonitorServiceClient,
  type ClusterHealth,
  type ManualThrottleMode,
  type ThrottleSignal,
} from '@fleetshift/contracts';

/** A promise-based HealthMonitorService client for tests. */
export function healthClient(address: string) {
  const client = new HealthMonitorServiceClient(address, grpc.credentials.createInsecure());
  const settle =
    <T>(resolve: (value: T) => void, reject: (error: Error) => void) =>
    (error: grpc.ServiceError | null, value: T) =>
      error ? reject(error) : resolve(value);
  return {
    get: (clusterId: string) =>
      new Promise<ClusterHealth>((resolve, reject) =>
        client.getClusterHealth({ clusterId }, settle((r) => resolve(r.health!), reject)),
      ),
    list: () =>
      new Promise<ClusterHealth[]>((resolve, reject) => client.listClusterHealth({ pageSize: 0, pageToken: '' }, settle((r) => resolve(r.clusters), reject))),
    setManual: (clusterId: string, mode: ManualThrottleMode, reason = '', ttlSeconds = 0) =>
      new Promise<ClusterHealth[]>((resolve, reject) =>
        client.setManualThrottle({ clusterId, mode, reason, ttlSeconds }, settle((r) => resolve(r.clusters), reject)),
      ),
    /** Opens a WatchThrottle stream collecting every signal; `ended` resolves with the final status. */
    watch(clusterIds: string[], includeHeartbeats = false) {
      const signals: ThrottleSignal[] = [];
      const stream = client.watchThrottle({ clusterIds, includeHeartbeats });
      stream.on('data', (response: { signal?: ThrottleSignal }) => response.signal && signals.push(response.signal));
      const ended = new Promise<grpc.StatusObject>((resolve) => {
        stream.on('status', resolve);
        stream.on('error', () => undefined);
      });
      return { signals, cancel: () => stream.cancel(), ended };
    },
    close: () => client.close(),
  };
}
