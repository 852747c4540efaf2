import * as grpc from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Plan } from '@fleetshift/contracts';
import { PlanDidNotConvergeError } from '@fleetshift/schema';
import { statusOf } from './grpc-status.js';

/** How a Plan or Diff call ended, the `outcome` label of fleetshift_planner_plans_total. */
export type PlanOutcome =
  | 'planned' | 'empty' | 'refused' | 'invalid_input' | 'unavailable' | 'failed_precondition' | 'not_found' | 'not_converged' | 'error';

export interface PlannerMetrics {
  /** Runs one planning call, timing it and counting its outcome. */
  observe<T extends { plan?: Plan; refusedHazards: unknown[] }>(rpc: 'plan' | 'diff', work: () => Promise<T>): Promise<T>;
  /** A desired schema went to a scratch database (not in the cache). */
  desiredSchemaLoaded(): void;
  /** A desired schema came from the cache (or joined a load under way). */
  desiredSchemaCacheHit(): void;
}

/** Buckets of the plan duration histogram, seconds: introspection + load + diff spans 10 ms to a minute. */
const durationBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createPlannerMetrics(registry: Registry): PlannerMetrics {
  const duration = new Histogram({
    name: 'fleetshift_planner_plan_duration_seconds',
    help: 'Time to answer a Plan or Diff call (introspection, scratch load, diff, SQL), by rpc.',
    labelNames: ['rpc'],
    buckets: durationBuckets,
    registers: [registry],
  });
  const total = new Counter({
    name: 'fleetshift_planner_plans_total',
    help: 'Plan and Diff calls by rpc and outcome (planned, empty, refused, invalid_input, unavailable, …).',
    labelNames: ['rpc', 'outcome'],
    registers: [registry],
  });
  const desiredLoads = new Counter({
    name: 'fleetshift_planner_desired_schema_loads_total',
    help: 'Desired schemas loaded into a scratch database: the desired schema cache did not have them.',
    registers: [registry],
  });
  const desiredHits = new Counter({
    name: 'fleetshift_planner_desired_schema_cache_hits_total',
    help: 'Desired schemas served by the desired schema cache instead of a scratch database.',
    registers: [registry],
  });
  return {
    desiredSchemaLoaded: () => desiredLoads.inc(),
    desiredSchemaCacheHit: () => desiredHits.inc(),
    async observe(rpc, work) {
      const stop = duration.startTimer({ rpc });
      try {
        const result = await work();
        total.inc({ rpc, outcome: successOutcome(result) });
        return result;
      } catch (error) {
        total.inc({ rpc, outcome: failureOutcome(error) });
        throw error;
      } finally {
        stop();
      }
    },
  };
}

function successOutcome(result: { plan?: Plan; refusedHazards: unknown[] }): PlanOutcome {
  if (result.refusedHazards.length > 0) return 'refused';
  return result.plan && result.plan.steps.length > 0 ? 'planned' : 'empty';
}

function failureOutcome(error: unknown): PlanOutcome {
  if (error instanceof PlanDidNotConvergeError) return 'not_converged';
  switch (statusOf(error).code) {
    case grpc.status.INVALID_ARGUMENT:
      return 'invalid_input';
    case grpc.status.UNAVAILABLE:
      return 'unavailable';
    case grpc.status.FAILED_PRECONDITION:
      return 'failed_precondition';
    case grpc.status.NOT_FOUND:
      return 'not_found';
    default:
      return 'error';
  }
}
