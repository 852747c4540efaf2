/**
 * CPU per tenant, reused connection vs a new connection per tenant (the "about 7 ms vs 25 ms").
 * Run: `node --import tsx apps/executor/src/connection-reuse.bench.ts [tenants]`. Measures this process
 * (process.cpuUsage) and the PostgreSQL server (utime+stime of every `postgres` process, plus the
 * postmaster's reaped children), on N schema tenants of one database, interleaving the two modes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { BatchJob, TenantRolloutState } from '@fleetshift/contracts';
import { ConnectionSlot } from './connection-slot.js';
import { executorApplicationName } from './tenant-connection.js';
import { runTenant, type TenantRunDeps } from './tenant-runner.js';
import { TestFleet, type FleetTenant } from './test-fleet.js';

const ticksPerMs = 100 / 1000; // USER_HZ = 100

function serverCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / ticksPerMs;
}

async function run(fleet: TestFleet, tenants: FleetTenant[], reuse: boolean, rolloutId: string) {
  const plan = fleet.plan('schema');
  const job = BatchJob.fromPartial({
    rolloutId,
    batchNumber: 1,
    targetVersion: 2,
    plans: { p: plan },
    tasks: tenants.map((t) => ({ tenantId: t.tenantId, target: t.target, planKey: 'p', expectedFingerprint: plan.fromFingerprint })),
  });
  const deps: TenantRunDeps = {
    settings: { executorId: 'bench', defaultLockTimeoutMs: 2000, defaultMaxLockRetries: 5, backoff: { baseMs: 250, capMs: 10_000 } },
    publish: async () => undefined,
    logger: pino({ level: 'silent' }),
  };
  const app = executorApplicationName('bench');
  let slot = new ConnectionSlot(app, 5000);
  const client0 = process.cpuUsage();
  const server0 = serverCpuMs();
  const started = performance.now();
  for (const task of job.tasks) {
    if (!reuse) {
      await slot.close();
      slot = new ConnectionSlot(app, 5000);
    }
    const outcome = await runTenant(job, task, slot, 1, deps);
    if (outcome.kind !== 'reported' || outcome.state !== TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED) throw new Error(`tenant ${task.tenantId}: ${JSON.stringify(outcome)}`);
  }
  await slot.close();
  const wall = performance.now() - started;
  const client = process.cpuUsage(client0);
  const serverMs = serverCpuMs() - server0;
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
