import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { ManualThrottleMode, ThrottleLevel, ThrottleSignal, type ClusterHealth } from '@fleetshift/contracts';
import type { Logger } from 'pino';
import type { SignalSink } from './broadcaster.js';
import type { ClusterSource } from './clusters/cluster-source.js';
import { describeCluster, isLocalCluster, type ClusterSpec } from './clusters/cluster-spec.js';
import { SamplingSession } from './clusters/sampling-session.js';
import { ClusterThrottleState } from './cluster-throttle-state.js';
import { activeOverride, overrideFromRequest, type ManualOverride } from './manual-override.js';
import type { MonitorMetrics } from './monitor-metrics.js';
import { memoryOverrideStore, OverrideNotSavedError, type OverrideStore } from './override-store.js';
import { sampleCluster } from './signals/cluster-sampler.js';
import { chooseCpuSourceSpec, createCpuSource, type CpuSourceDefaults } from './signals/cpu-source-choice.js';
import type { CpuSource } from './signals/cpu-source.js';
import type { SignalLevelTable } from './signals/signal-levels.js';
import { ThrottleFeed } from './throttle-feed.js';
import type { PaceOptions } from './pace/pace-controller.js';
import type { HysteresisOptions } from './throttle-decision.js';

export interface FleetMonitorOptions {
  source: ClusterSource;
  sinks: SignalSink[];
  logger: Logger;
  metrics?: MonitorMetrics;
  sampleIntervalMs: number;
  /** A heartbeat every this many samples without a change (1: every sample). */
  heartbeatEverySamples: number;
  /** Re-read the cluster list this often. */
  refreshIntervalMs: number;
  hysteresis: HysteresisOptions;
  pace: PaceOptions;
  levels: SignalLevelTable;
  cpu: CpuSourceDefaults;
  /** Cores of a remote database host whose spec does not say. */
  defaultRemoteCores: number;
  /** The sequence to continue from (the highest already published). */
  startSequence?: number;
  /** This run's epoch (ThrottleSignal.monitor_epoch); a fresh random id by default. */
  monitorEpoch?: string;
  /** Where manual overrides are kept across restarts (in memory only by default). */
  overrides?: OverrideStore;
}

/** How soon an unreadable or empty cluster list is read again. */
const retryListMs = 1000;

/** The unknown-cluster error of GetClusterHealth / SetManualThrottle. */
export class UnknownClusterError extends Error {}

interface Watched {
  spec: ClusterSpec;
  state: ClusterThrottleState;
  session: SamplingSession;
  cpu: CpuSource | undefined;
  cores: number;
  samplesWithoutSignal: number;
  lastSignal?: ThrottleSignal;
  stopped: boolean;
  wake?: () => void;
  loop?: Promise<void>;
}

/**
 * Watches every cluster of a ClusterSource: one sampling loop per cluster (sample, decide, publish,
 * wait for the next interval), a periodic refresh of the list, manual overrides, and the in-process
 * feed that WatchThrottle streams read.
 */
export class FleetMonitor {
  readonly feed = new ThrottleFeed();
  readonly #clusters = new Map<string, Watched>();
  #sequence: number;
  readonly #epoch: string;
  readonly #overrideStore: OverrideStore;
  /** The stored overrides, applied to a cluster when the monitor starts watching it. */
  #storedOverrides = new Map<string, ManualOverride>();
  #refreshTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #stopped = false;

  constructor(private readonly options: FleetMonitorOptions) {
    this.#sequence = options.startSequence ?? 0;
    this.#epoch = options.monitorEpoch ?? randomUUID();
    this.#overrideStore = options.overrides ?? memoryOverrideStore();
  }

  /** This run's epoch, carried by every signal it publishes. */
  get epoch(): string {
    return this.#epoch;
  }

  /**
   * Reads the cluster list, starts the loops and the periodic refresh. A list that cannot be read (the
   * scheduler not up yet, or briefly unreachable) is logged once and retried every second until it can,
   * as is an empty list; meanwhile the clusters already watched stay watched (with none yet, no signal
   * goes out, which executors obey as THROTTLED).
   */
  async start(): Promise<void> {
    // Before the first cluster is watched, so that an override set before a restart holds from the
    // first signal on.
    this.#storedOverrides = await this.#overrideStore.load();
    if (this.#storedOverrides.size > 0) {
      this.options.logger.info({ clusters: [...this.#storedOverrides.keys()] }, 'manual overrides restored');
    }
    let lastError = '';
    const refresh = async (): Promise<boolean> => {
      try {
        await this.refresh();
        if (lastError) this.options.logger.info({ source: this.options.source.kind, clusters: this.#clusters.size }, 'cluster list readable again');
        lastError = '';
        return this.#clusters.size > 0;
      } catch (error) {
        const message = (error as Error).message;
        if (message !== lastError) {
          this.options.logger.error({ err: error, source: this.options.source.kind }, 'cannot read the cluster list; keeping the current one');
        }
        lastError = message;
        return false;
      }
    };
    const schedule = (healthy: boolean) => {
      if (this.#stopped) return;
      const delay = healthy ? this.options.refreshIntervalMs : Math.min(this.options.refreshIntervalMs, retryListMs);
      this.#refreshTimer = setTimeout(() => void refresh().then(schedule), delay);
      this.#refreshTimer.unref();
    };
    schedule(await refresh());
  }

  /** Starts watching new clusters and stops watching those no longer listed (one refresh at a time). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const specs = await this.options.source.list();
    if (this.#stopped) return;
    const listed = new Set(specs.map((s) => s.id));
    for (const [id, watched] of this.#clusters) {
      if (!listed.has(id)) await this.#unwatch(watched, 'no longer listed');
    }
    for (const spec of specs) {
      const known = this.#clusters.get(spec.id);
      if (known && sameConnection(known.spec, spec)) continue;
      if (known) await this.#unwatch(known, 'connection changed');
      // A changed registration keeps the cluster's decision history and manual override.
      this.#watch(spec, known?.state, known?.lastSignal);
    }
  }

  clusterIds(): string[] {
    return [...this.#clusters.keys()].sort();
  }

  health(clusterId: string): ClusterHealth {
    const watched = this.#clusters.get(clusterId);
    if (!watched) throw new UnknownClusterError(`cluster ${clusterId} is not watched (known: ${this.clusterIds().join(', ') || 'none'})`);
    return watched.state.health();
  }

  list(): ClusterHealth[] {
    return this.clusterIds().map((id) => this.health(id));
  }

  /** The last signal of each cluster, as published (for a new WatchThrottle stream). */
  lastSignals(): ThrottleSignal[] {
    return this.clusterIds().flatMap((id) => this.#clusters.get(id)?.lastSignal ?? []);
  }

  /**
   * Sets (THROTTLE / RELEASE, with an optional expiry) or clears an override on one cluster or, with
   * "*", on every cluster watched now; publishes the resulting level at once.
   */
  async setManual(clusterId: string, mode: ManualThrottleMode, reason: string, ttlSeconds: number): Promise<ClusterHealth[]> {
    const now = new Date();
    const override = overrideFromRequest(mode, reason, ttlSeconds, now);
    const targets = clusterId === '*' ? [...this.#clusters.values()] : [this.#clusters.get(clusterId)];
    if (targets.some((t) => t === undefined)) {
      throw new UnknownClusterError(`cluster ${clusterId} is not watched (known: ${this.clusterIds().join(', ') || 'none'})`);
    }
    for (const watched of targets as Watched[]) {
      try {
        await this.#overrideStore.save(watched.spec.id, override);
      } catch (error) {
        throw new OverrideNotSavedError(`the manual override of cluster ${watched.spec.id} could not be stored: ${(error as Error).message}`);
      }
      if (override) this.#storedOverrides.set(watched.spec.id, override);
      else this.#storedOverrides.delete(watched.spec.id);
      watched.state.override = override;
      this.options.logger.info(
        { cluster: watched.spec.id, mode: ManualThrottleMode[mode], reason: override?.reason, expiresAt: override?.expiresAt },
        'manual throttle set',
      );
      await this.#publish(watched, now, true);
    }
    return (targets as Watched[]).map((t) => t.state.health());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#refreshTimer);
    await Promise.all([...this.#clusters.values()].map((w) => this.#unwatch(w, 'monitor stopping')));
    await this.options.source.close?.();
  }

  #watch(spec: ClusterSpec, state?: ClusterThrottleState, lastSignal?: ThrottleSignal): void {
    let cpu: CpuSource | undefined;
    let cpuKind: string;
    try {
      const cpuSpec = chooseCpuSourceSpec(spec, this.options.cpu);
      cpuKind = cpuSpec.kind;
      cpu = createCpuSource(cpuSpec, this.options.sampleIntervalMs);
    } catch (error) {
      // A misconfigured source is an unreadable signal (which throttles), not a reason to stop watching.
      cpuKind = 'misconfigured';
      cpu = { kind: cpuKind, read: () => Promise.reject(error) };
    }
    if (!state) {
      state = new ClusterThrottleState(spec.id, this.options.hysteresis, this.options.pace);
      state.override = activeOverride(this.#storedOverrides.get(spec.id), new Date());
    }
    const watched: Watched = {
      spec,
      state,
      lastSignal,
      session: new SamplingSession(spec, this.options.sampleIntervalMs),
      cpu,
      cores: spec.cores ?? (isLocalCluster(spec) ? os.cpus().length : this.options.defaultRemoteCores),
      samplesWithoutSignal: 0,
      stopped: false,
    };
    this.#clusters.set(spec.id, watched);
    this.options.logger.info(
      { cluster: spec.id, target: describeCluster(spec), cpuSource: cpuKind, cores: watched.cores },
      'watching cluster',
    );
    watched.loop = this.#loop(watched);
  }

  async #unwatch(watched: Watched, why: string): Promise<void> {
    watched.stopped = true;
    watched.wake?.();
    this.#clusters.delete(watched.spec.id);
    await watched.loop;
    await watched.session.close();
    this.options.metrics?.forget(watched.spec.id, watched.state.signals.map((s) => s.name));
    this.options.logger.info({ cluster: watched.spec.id, why }, 'stopped watching cluster');
  }

  async #loop(watched: Watched): Promise<void> {
    let lastErrors = '';
    while (!watched.stopped) {
      const started = Date.now();
      try {
        lastErrors = await this.#tick(watched, lastErrors);
      } catch (error) {
        this.options.logger.error({ err: error, cluster: watched.spec.id }, 'sampling failed');
      }
      await this.#sleep(watched, started + this.options.sampleIntervalMs - Date.now());
    }
  }

  /** One sample of one cluster: sample, decide, publish. Returns the errors seen, to log changes only. */
  async #tick(watched: Watched, lastErrors: string): Promise<string> {
    const sample = await sampleCluster({
      session: watched.session,
      cpu: watched.cpu,
      cores: watched.cores,
      levels: this.options.levels,
    });
    if (watched.stopped) return lastErrors;
    const errors = sample.errors.join('; ');
    if (errors !== lastErrors) {
      if (errors) this.options.logger.warn({ cluster: watched.spec.id, errors: sample.errors }, 'signals unavailable');
      else if (lastErrors) this.options.logger.info({ cluster: watched.spec.id }, 'signals available again');
    }
    const now = new Date();
    watched.state.recordSample(sample.signals, now);
    await this.#publish(watched, now, false);
    return errors;
  }

  /**
   * Evaluates the cluster's level and publishes: always on a change of level (or when `force`d by an
   * operator's request), and as a heartbeat every `heartbeatEverySamples` samples otherwise.
   */
  async #publish(watched: Watched, now: Date, force: boolean): Promise<void> {
    const before = watched.state.current.level;
    const { changed, throttledSecondsAdded } = watched.state.evaluate(now);
    this.options.metrics?.record(watched.spec.id, watched.state.signals, watched.state.current.level, throttledSecondsAdded, watched.state.pace().pace);
    if (changed) {
      this.options.logger.info(
        {
          cluster: watched.spec.id,
          from: ThrottleLevel[before],
          level: ThrottleLevel[watched.state.current.level],
          cause: watched.state.current.cause,
          reason: watched.state.current.reason,
        },
        'throttle level changed',
      );
    }
    watched.samplesWithoutSignal += 1;
    if (!changed && !force && watched.samplesWithoutSignal < this.options.heartbeatEverySamples) return;
    watched.samplesWithoutSignal = 0;
    const signal = this.#signal(watched, !changed);
    watched.lastSignal = signal;
    for (const sink of [...this.options.sinks, this.feed]) {
      try {
        await sink.publish(signal);
      } catch (error) {
        this.options.logger.warn({ err: error, cluster: watched.spec.id }, 'cannot publish throttle signal');
      }
    }
  }

  #signal(watched: Watched, heartbeat: boolean): ThrottleSignal {
    this.#sequence += 1;
    const { current, signals } = watched.state;
    return ThrottleSignal.fromPartial({
      clusterId: watched.spec.id,
      level: current.level,
      signals,
      cause: current.cause,
      reason: current.reason,
      sampledAt: new Date(),
      sampleIntervalMs: this.options.sampleIntervalMs,
      heartbeat,
      sequence: this.#sequence,
      monitorEpoch: this.#epoch,
      pace: watched.state.pace().pace,
      paceReason: watched.state.pace().reason,
    });
  }

  #sleep(watched: Watched, ms: number): Promise<void> {
    if (ms <= 0 || watched.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        watched.wake = undefined;
        resolve();
      }
      watched.wake = done;
    });
  }
}

function sameConnection(a: ClusterSpec, b: ClusterSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
