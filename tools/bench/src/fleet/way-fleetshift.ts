import { RolloutState, TenantRolloutState } from '@fleetshift/contracts';
import { deployFleetshift } from '../fleetshift/deployment.js';
import { registerFleet, runRollout, waitForClusterSignal } from '../fleetshift/rollout-run.js';
import { blueprintV1, blueprintV2 } from './fleet-blueprint.js';
import type { Way } from './way.js';

/**
 * (a) Fleetshift with its default settings: the real services as processes (planner, health monitor,
 * scheduler, `executors` executors); made ready by registering the cluster and the tenants with
 * provisioning at v1 (Fleetshift creates them), loading the fleet's rows into them, and pushing v2; then
 * timed from one CreateRollout with the defaults until the rollout has ended.
 */
export function fleetshiftWay(options: { executors: number; timeoutMs: number; say: (line: string) => void }): Way {
  return {
    name: 'a',
    label: `(a) Fleetshift, defaults (${options.executors} executor${options.executors > 1 ? 's' : ''})`,
    provisions: true,
    async prepare(fleet) {
      const deployment = await deployFleetshift(fleet.serverUrl, { executors: options.executors, label: `bench_${fleet.kind}` });
      let version: number;
      try {
        const registering = Date.now();
        version = await registerFleet(deployment, fleet, { v1: blueprintV1, v2: blueprintV2 });
        const filling = Date.now();
        await fleet.fill();
        options.say(
          `  provisioned ${fleet.tenants.length} tenants at v1 in ${((filling - registering) / 1000).toFixed(1)} s, ` +
            `loaded their rows in ${((Date.now() - filling) / 1000).toFixed(1)} s`,
        );
        await waitForClusterSignal(deployment);
      } catch (error) {
        await deployment.close();
        throw error;
      }
      return {
        close: () => deployment.close(),
        async run() {
          const run = await runRollout(deployment, fleet.blueprint, version, { timeoutMs: options.timeoutMs });
          const succeeded = run.tenants.filter((t) => t.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED);
          const counts = run.rollout.counts!;
          return {
            startedAt: run.startedAt,
            finishedAt: run.finishedAt,
            finishes: succeeded.flatMap((t) => (t.finishedAt ? [t.finishedAt.getTime()] : [])),
            throttledSeconds: run.rollout.throttledSeconds,
            throttled: run.throttled,
            lockRetries: run.rollout.lockRetries,
            rolloutTenants: run.tenants.map((t) => ({
              id: t.tenantId,
              state: TenantRolloutState[t.state].replace('TENANT_ROLLOUT_STATE_', ''),
              attempts: t.attempts,
              lockRetries: t.lockRetries,
              startedAt: t.startedAt?.getTime(),
              finishedAt: t.finishedAt?.getTime(),
            })),
            note: `rollout ${RolloutState[run.rollout.state].replace('ROLLOUT_STATE_', '')}: ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.skipped} skipped`,
          };
        },
      };
    },
  };
}

