import { ThrottleLevel, ThrottleSignal, type ClusterPace, type ClusterThrottle } from '@fleetshift/contracts';
import { decodeMessage, effectiveThrottleLevel, isStale } from '@fleetshift/bus';
import type { SchedulerContext } from '../context.js';

/**
 * The clusters among `clusterIds` that are throttled now, from the throttle KV bucket: a fresh
 * THROTTLED/CRITICAL signal, or a stale one (the monitor is lost). A cluster with no signal at all counts
 * as throttled too unless the scheduler is configured otherwise (FLEETSHIFT_MISSING_THROTTLE_SIGNAL=ok).
 */
export async function currentThrottles(ctx: SchedulerContext, clusterIds: Iterable<string>): Promise<ClusterThrottle[]> {
  const throttles: ClusterThrottle[] = [];
  for (const clusterId of new Set(clusterIds)) {
    const signal = await readSignal(ctx, clusterId);
    if (!signal) {
      if (ctx.missingThrottleSignal === 'ok') continue;
      throttles.push({ clusterId, level: ThrottleLevel.THROTTLE_LEVEL_THROTTLED, signal: 'missing', value: 0, reason: 'no throttle signal from the health monitor yet', since: undefined });
      continue;
    }
    const level = effectiveThrottleLevel(signal);
    if (level === ThrottleLevel.THROTTLE_LEVEL_OK) continue;
    const stale = isStale(signal);
    const sample = signal.signals.find((s) => s.name === signal.cause);
    throttles.push({
      clusterId,
      level,
      signal: stale ? 'stale' : signal.cause,
      value: stale ? 0 : sample?.value ?? 0,
      reason: stale ? `the last throttle signal (${signal.sampledAt?.toISOString() ?? 'unknown time'}) is stale` : signal.reason,
      since: signal.sampledAt,
    });
  }
  return throttles;
}

/**
 * The pace of each cluster among `clusterIds` that is OK now (fresh signal): how many tenants the monitor
 * lets run on it at once, and why — what `rollout watch` shows while a rollout goes slower than it could.
 */
export async function currentPaces(ctx: SchedulerContext, clusterIds: Iterable<string>): Promise<ClusterPace[]> {
  const paces: ClusterPace[] = [];
  for (const clusterId of new Set(clusterIds)) {
    const signal = await readSignal(ctx, clusterId);
    if (!signal || effectiveThrottleLevel(signal) !== ThrottleLevel.THROTTLE_LEVEL_OK || signal.pace === 0) continue;
    paces.push({ clusterId, pace: signal.pace, reason: signal.paceReason });
  }
  return paces;
}

async function readSignal(ctx: SchedulerContext, clusterId: string): Promise<ThrottleSignal | undefined> {
  const entry = await ctx.bus.throttles.get(clusterId);
  if (!entry || entry.operation !== 'PUT' || !entry.value.length) return undefined;
  try {
    return decodeMessage(ThrottleSignal, entry.value);
  } catch {
    return undefined;
  }
}
