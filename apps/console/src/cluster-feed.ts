import { EventEmitter } from 'node:events';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import {
  Cluster,
  ClusterHealth,
  ListClusterHealthRequest,
  ListClustersRequest,
  unary,
  WatchThrottleRequest,
  type WatchThrottleResponse,
} from '@fleetshift/contracts';
import type { Logger } from '@fleetshift/telemetry';
import type { Backends } from './backend-clients.js';
import { ClusterHistory, pointOf, type ClusterPoint } from './cluster-history.js';

export interface ClusterFeedOptions {
  refreshMs: number;
  historyPoints: number;
  logger: Logger;
}

/** One cluster as the page sees it: its registration (scheduler) and its health (monitor), proto3 JSON. */
export interface ClusterView {
  id: string;
  cluster?: unknown;
  health?: unknown;
}

export interface ClusterFeedEvents {
  clusters: [ClusterView[]];
  sample: [{ clusterId: string; point: ClusterPoint }];
  backend: [{ service: 'scheduler' | 'health-monitor'; ok: boolean; message: string }];
}

/**
 * The clusters with their throttle state, CPU and pace over time. Asks the scheduler (ListClusters) and
 * the health monitor (ListClusterHealth) every refresh interval, and follows the monitor's WatchThrottle
 * stream with heartbeats: each signal is one chart point (one per monitor sample or heartbeat), kept in
 * a bounded history so a page opened later still sees the recent past.
 */
export class ClusterFeed extends EventEmitter<ClusterFeedEvents> {
  readonly history: ClusterHistory;
  private clusters: ClusterView[] = [];
  private watch: ClientReadableStream<WatchThrottleResponse> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private rewatch: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The watch failed and has not delivered since: its next failures are not logged again. */
  private watchFailing = false;
  private readonly backendOk = new Map<string, boolean>();

  constructor(
    private readonly backends: Backends,
    private readonly options: ClusterFeedOptions,
  ) {
    super();
    this.history = new ClusterHistory(options.historyPoints);
  }

  start(): void {
    const tick = () => {
      void this.refresh().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.options.refreshMs);
      });
    };
    tick();
    this.follow();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.rewatch);
    this.watch?.cancel();
  }

  snapshot(): ClusterView[] {
    return this.clusters;
  }

  /** Lists clusters and their health once (exported for tests; start() repeats it). */
  async refresh(): Promise<void> {
    const deadline = () => ({ deadline: Date.now() + 10_000 });
    const [registered, health] = await Promise.all([
      unary(this.backends.tenants, this.backends.tenants.listClusters, ListClustersRequest.fromPartial({}), undefined, deadline()).then(
        (response) => {
          this.report('scheduler', true, 'ok');
          return response.clusters;
        },
        (error: ServiceError) => {
          this.report('scheduler', false, error.details ?? error.message);
          return undefined;
        },
      ),
      unary(this.backends.monitor, this.backends.monitor.listClusterHealth, ListClusterHealthRequest.fromPartial({}), undefined, deadline()).then(
        (response) => {
          this.report('health-monitor', true, 'ok');
          return response.clusters;
        },
        (error: ServiceError) => {
          this.report('health-monitor', false, error.details ?? error.message);
          return undefined;
        },
      ),
    ]);
    if (!registered && !health) return;
    const byId = new Map<string, ClusterView>();
    // What one service could not answer this time is kept from the last answer.
    for (const view of this.clusters) byId.set(view.id, { ...view });
    if (registered) {
      for (const id of byId.keys()) if (!registered.some((cluster) => cluster.id === id)) byId.get(id)!.cluster = undefined;
      for (const cluster of registered) byId.set(cluster.id, { ...byId.get(cluster.id), id: cluster.id, cluster: Cluster.toJSON(cluster) });
    }
    if (health) {
      for (const entry of health) byId.set(entry.clusterId, { ...byId.get(entry.clusterId), id: entry.clusterId, health: ClusterHealth.toJSON(entry) });
    }
    this.clusters = [...byId.values()].filter((view) => view.cluster || view.health).sort((a, b) => a.id.localeCompare(b.id));
    this.emit('clusters', this.clusters);
  }

  private follow(): void {
    if (this.stopped) return;
    const stream = this.backends.monitor.watchThrottle(WatchThrottleRequest.fromPartial({ clusterIds: [], includeHeartbeats: true }));
    this.watch = stream;
    stream.on('data', (response: WatchThrottleResponse) => {
      const signal = response.signal;
      if (!signal) return;
      this.watchFailing = false;
      const point = pointOf(signal);
      if (this.history.add(signal.clusterId, point)) this.emit('sample', { clusterId: signal.clusterId, point });
    });
    const again = () => {
      if (this.watch !== stream || this.stopped) return;
      this.watch = undefined;
      this.rewatch = setTimeout(() => this.follow(), this.options.refreshMs);
    };
    stream.on('end', again);
    stream.on('error', (error: ServiceError) => {
      if (!this.stopped && !this.watchFailing) this.options.logger.warn({ code: error.code, reason: error.details }, 'WatchThrottle ended with an error: following again');
      this.watchFailing = true;
      again();
    });
  }

  private report(service: 'scheduler' | 'health-monitor', ok: boolean, message: string): void {
    if (this.backendOk.get(service) === ok) return;
    this.backendOk.set(service, ok);
    if (!ok) this.options.logger.warn({ backend: service, reason: message }, 'cannot list clusters');
    this.emit('backend', { service, ok, message });
  }
}
