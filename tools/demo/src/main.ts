import path from 'node:path';
import cliProgress from 'cli-progress';
import { followRolloutProgress } from '@fleetshift/console';
import { callMetadata, RolloutState, schedulerClients, unary } from '@fleetshift/contracts';
import { startStack, type RunningStack } from '@fleetshift/dev-stack';
import { workspaceRoot } from '@fleetshift/testing';
import { parseDemoArgs } from './args.js';
import { schemaV1, schemaV2 } from './demo-schemas.js';
import { resetDemo } from './demo-reset.js';
import { provisionTenants, pushVersion, registerCluster } from './fleet.js';
import { ensureNats, ensurePostgres, withPassword } from './local-infrastructure.js';
import { renderSummary } from './summary.js';

// `npm run demo`: a local fleet at v1, a rollout to v2 with a live progress bar, a summary table.
const say = (line: string) => process.stdout.write(`${line}\n`);
const namespace = 'fleetshift_demo';
const controlDatabase = 'fleetshift_demo';
const passwordEnv = 'FLEETSHIFT_PW_DEMO';

async function main(): Promise<number> {
  const args = parseDemoArgs(process.argv.slice(2));
  const stateDir = path.join(workspaceRoot, '.fleetshift', 'demo');
  const postgres = await ensurePostgres(stateDir, say);
  const nats = await ensureNats(stateDir, say);
  let stack: RunningStack | undefined;
  const cleanup = async () => {
    await stack?.stop();
    await nats.stop();
    await postgres.stop();
  };
  const interrupted = () => {
    say('interrupted: stopping what the demo started');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const dropped = await resetDemo(withPassword(postgres), controlDatabase, args.blueprint, nats.url, namespace);
    if (dropped > 0) say(`reset: dropped ${dropped} database(s) left by an earlier demo`);

    // The services read a cluster's password only from a FLEETSHIFT_PW_* variable or a file under
    // FLEETSHIFT_SECRETS_DIR (docs/security.md); their own control and scratch URLs carry it.
    if (postgres.password !== undefined) process.env[passwordEnv] = postgres.password;
    const controlUrl = withPassword(postgres, controlDatabase);
    const scratchUrl = withPassword(postgres);

    say(`starting planner, health monitor, scheduler and ${args.executors} executor(s)`);
    stack = await startStack({
      ports: 'ephemeral',
      executors: args.executors,
      env: {
        FLEETSHIFT_NATS_URL: nats.url,
        FLEETSHIFT_NATS_NAMESPACE: namespace,
        FLEETSHIFT_CONTROL_DB_URL: controlUrl,
        FLEETSHIFT_SCRATCH_PG_URL: scratchUrl,
      },
    });
    const clients = schedulerClients(`127.0.0.1:${stack.scheduler.grpcPort}`);

    const spec = {
      blueprint: args.blueprint,
      tenants: args.tenants,
      isolation: args.isolation,
      cluster: { id: 'local', host: postgres.host, port: postgres.port, user: postgres.user, passwordEnv: postgres.password !== undefined ? passwordEnv : undefined },
    };
    await registerCluster(clients, spec);
    const v1 = await pushVersion(clients, args.blueprint, schemaV1, 'v1: users and orders');
    say(`blueprint ${args.blueprint}: version ${v1} pushed (users, orders)`);

    const provisionStart = performance.now();
    const bar = new cliProgress.SingleBar({ format: '  provision |{bar}| {value}/{total} tenants at v1', noTTYOutput: !process.stdout.isTTY, notTTYSchedule: 2000 }, cliProgress.Presets.shades_classic);
    bar.start(args.tenants, 0);
    await provisionTenants(clients, spec, 4, (done) => bar.update(done));
    bar.stop();
    const provisionSeconds = (performance.now() - provisionStart) / 1000;
    say(`${args.tenants} tenants (${args.isolation} isolation) provisioned at v${v1} in ${provisionSeconds.toFixed(1)} s`);

    // A concurrent index build costs the cluster CPU and I/O: the version says so explicitly.
    const v2 = await pushVersion(clients, args.blueprint, schemaV2, 'v2: users.phone_number, orders index and foreign key', ['INDEX_BUILD']);
    say(`blueprint ${args.blueprint}: version ${v2} pushed (users.phone_number, orders_user_id_idx, orders_user_id_fkey)`);

    const rolloutStart = performance.now();
    const { rollout } = await unary(clients.rollouts, clients.rollouts.createRollout, {
      blueprint: args.blueprint,
      version: v2,
      selector: { tenantIds: [], labels: {}, clusterIds: [] },
      batchSize: 50,
      maxBatchesInFlight: 4,
      tenantConcurrency: 2,
      canary: true,
      failurePolicy: { maxFailedTenants: 0, maxFailureRatio: 0.1, onDrift: 0 },
      allowedHazards: [],
      dryRun: false,
    }, callMetadata());
    say(`rollout ${rollout!.id}: ${rollout!.counts!.total} tenants in batches of 50, canary first`);
    const final = await followRolloutProgress(clients.rollouts.watchRollout({ rolloutId: rollout!.id }, callMetadata()));
    const rolloutSeconds = (performance.now() - rolloutStart) / 1000;

    say(renderSummary(final, { provisionSeconds, rolloutSeconds }));
    return final.state === RolloutState.ROLLOUT_STATE_SUCCEEDED ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error & { details?: string }) => {
    process.stderr.write(`demo failed: ${error.details ?? error.message}\n`);
    process.exit(1);
  },
);
