import { RolloutState, TenantRolloutState } from '@fleetshift/contracts';
import { deployFleetshift } from '../fleetshift/deployment.js';
import { registerFleet, runRollout, waitForClusterSignal } from '../fleetshift/rollout-run.js';
import { blueprintV1, blueprintV2 } from './fleet-blueprint.js';
import type { Way } from './way.js';

/**
 * (a) Fleetshift with its default settings: the real services as processes (planner, health monitor,
 * scheduler, `executors` executors), the fleet registered and provisioned at v1, v2 pushed, one
 * CreateRollout with the defaults; timed from CreateRollout until the rollout has ended.
 */
export function fleetshiftWay(options: { executors: number; timeoutMs: number; say: (line: string) => void }): Way {
  return {
    name: 'a',
    label: `(a) Fleetshift, defaults (${options.executors} executor${options.executors > 1 ? 's' : ''})`,
    async run(fleet) {
      const deployment = await deployFleetshift(fleet.serverUrl, { executors: options.executors, label: `bench_${fleet.kind}` });
      try {
        const registering = Date.now();
        const version = await registerFleet(deployment, fleet, { v1: blueprintV1, v2: blueprintV2 });
        options.say(`  registered and provisioned ${fleet.tenants.length} tenants in ${((Date.now() - registering) / 1000).toFixed(1)} s`);
        await waitForClusterSignal(deployment);
        const run = await runRollout(deployment, fleet.blueprint, version, { timeoutMs: options.timeoutMs });
        const finishes = run.tenants.flatMap((t) =>
          t.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED && t.finishedAt ? [t.finishedAt.getTime()] : [],
        );
        const counts = run.rollout.counts!;
        return {
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          finishes,
          throttledSeconds: run.rollout.throttledSeconds,
          throttled: run.throttled,
          note: `rollout ${RolloutState[run.rollout.state].replace('ROLLOUT_STATE_', '')}: ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.skipped} skipped`,
        };
      } finally {
        await deployment.close();
      }
    },
  };
}
