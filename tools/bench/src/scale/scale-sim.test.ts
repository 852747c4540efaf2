import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutState } from '@fleetshift/contracts';
import { findPostgres } from '@fleetshift/testing';
import { deployFleetshift, type Deployment } from '../fleetshift/deployment.js';
import { runSimulatedRollout } from './scale-run.js';
import { setUpSimulatedFleet, type SimulatedFleet } from './simulated-fleet.js';

// A simulated rollout end to end with the real services as processes (executors in simulation mode),
// small: 2,000 tenants on 4 clusters, one of them throttled (manual override) from before CreateRollout
// until every other cluster is done.
let serverUrl: string;
let deployment: Deployment;
let fleet: SimulatedFleet;

beforeAll(async () => {
  serverUrl = await findPostgres();
  deployment = await deployFleetshift(serverUrl, { executors: 2, label: 'simtest', env: { FLEETSHIFT_EXECUTOR_SIMULATE: '1', FLEETSHIFT_EXECUTOR_SIMULATE_DELAY_MEDIAN_MS: '5' } });
  fleet = await setUpSimulatedFleet(deployment, serverUrl, { tenants: 2_000, clusters: 4, connectionBudget: 2 });
}, 240_000);

afterAll(async () => {
  await deployment?.close();
  await fleet?.drop();
});

describe('a simulated rollout', () => {
  it('reports every tenant exactly once (control store and stand-in agree), and a cluster throttled throughout holds nobody back', { timeout: 900_000 }, async () => {
    const result = await runSimulatedRollout(deployment, fleet, serverUrl, {
      batchSize: 50,
      perCluster: 2,
      held: 1,
      randomlyThrottled: 0,
      probes: false,
      timeoutMs: 840_000,
    });
    // The other three clusters finished while the held one had not started a single tenant.
    expect(result.heldClusters).toEqual(['sim-04']);
    expect(result.heldStatesWhenOthersDone).toEqual({ pending: 500 });
    expect(result.othersOpenWhenDone).toBe(0);
    // Then it was released and the rollout completed.
    expect(result.state).toBe(RolloutState.ROLLOUT_STATE_SUCCEEDED);
    expect(result.controlStates).toEqual({ succeeded: 2_000 });
    expect(result.controlDuplicateReports).toBe(0);
    expect(result.standIn).toMatchObject({ once: 2_000, more: 0, never: 0 });
    expect(result.standIn.totalDelayMs).toBeGreaterThan(0);
  });
});
