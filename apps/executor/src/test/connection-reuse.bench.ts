/**
 * CPU per tenant, reused connection vs a new connection per tenant (the "about 7 ms vs 25 ms").
 * Run: `node --import tsx apps/executor/src/connection-reuse.bench.ts [tenants]`. Measures this process
 * (process.cpuUsage) and the PostgreSQL backends serving it (utime+stime from /proc, read just before
 * each connection closes; the postmaster's fork is not counted), on N schema tenants of one database,
 * interleaving the two modes. Other load on the machine does not pollute either number.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { BatchJob, TenantRolloutState } from '@fleetshift/contracts';
import { ConnectionSlot } from '../tenant/connection-slot.js';
import { executorApplicationName } from '../tenant/tenant-connection.js';
import { runTenant, type TenantRunDeps } from '../tenant/run-tenant.js';
import { TestFleet, type FleetTenant } from './test-fleet.js';
import { knownPlans, planRef } from './known-plans.js';

const msPerTick = 1000 / 100; // USER_HZ = 100

/** CPU (user + system) of one server process, from /proc: the backend serving our connection. */
function backendCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * msPerTick;
  } catch {
    return 0;
  }
}

async function run(fleet: TestFleet, tenants: FleetTenant[], reuse: boolean, rolloutId: string) {
  const plan = fleet.plan('schema');
  const job = BatchJob.fromPartial({
    rolloutId,
    batchNumber: 1,
    targetVersion: 2,
    tasks: tenants.map((t) => ({ tenantId: t.tenantId, target: t.target, planKey: planRef(plan), expectedFingerprint: plan.fromFingerprint })),
  });
  const deps: TenantRunDeps = {
    plans: knownPlans,
    settings: { executorId: 'bench', defaultLockTimeoutMs: 50, defaultMaxLockRetries: 5, maxLockDeferrals: 0, backoff: { baseMs: 250, capMs: 10_000 } },
    publish: async () => undefined,
    logger: pino({ level: 'silent' }),
  };
  const app = executorApplicationName('bench');
  let slot = new ConnectionSlot(app, 5000);
  let serverMs = 0;
  const closeSlot = async () => {
    if (slot.current) serverMs += backendCpuMs(slot.current.processId);
    await slot.close();
  };
  const client0 = process.cpuUsage();
  const started = performance.now();
  for (const task of job.tasks) {
    if (!reuse) {
      await closeSlot();
      slot = new ConnectionSlot(app, 5000);
    }
    const outcome = await runTenant(job, task, slot, '1', deps);
    if (outcome.kind !== 'reported' || outcome.state !== TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED) throw new Error(`tenant ${task.tenantId}: ${JSON.stringify(outcome)}`);
  }
  await closeSlot();
  const wall = performance.now() - started;
  const client = process.cpuUsage(client0);
  const clientMs = (client.user + client.system) / 1000;
  return { clientMs: clientMs / tenants.length, serverMs: serverMs / tenants.length, wallMs: wall / tenants.length };
}

const n = Number(process.argv[2] ?? 100);
const fleet = await new TestFleet().init();
try {
  const rows: Array<Record<string, string>> = [];
  for (const round of [1, 2]) {
    for (const reuse of [true, false]) {
      const tenants = await fleet.schemaTenants(`bench${round}${reuse ? 'r' : 'n'}`, n);
      const r = await run(fleet, tenants, reuse, `bench-${round}-${reuse}`);
      rows.push({
        round: String(round),
        connections: reuse ? 'reused' : 'new per tenant',
        'client CPU ms/tenant': r.clientMs.toFixed(1),
        'server CPU ms/tenant': r.serverMs.toFixed(1),
        'total CPU ms/tenant': (r.clientMs + r.serverMs).toFixed(1),
        'wall ms/tenant': r.wallMs.toFixed(1),
      });
    }
  }
  console.table(rows);
} finally {
  await fleet.drop();
}
