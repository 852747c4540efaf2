import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callMetadata,
  healthMonitorClient,
  Isolation,
  ListTenantEventsRequest,
  ManualThrottleMode,
  RolloutState,
  SchemaFormat,
  schedulerClients,
  unary,
  type CreateRolloutRequest,
} from '@fleetshift/contracts';
import { chromiumExecutable, createTestDatabase, findNats, testNamespace, waitFor, workspaceRoot, type TestDatabase } from '@fleetshift/testing';
import { startStack, type RunningStack } from './stack.js';

// The web console (apps/console) in headless Chromium, against the real stack (planner, scheduler,
// health monitor, executor, console as processes) on real PostgreSQL and NATS JetStream, with an API
// token: the page asks for it, follows a rollout to 100 % through server-sent events, pauses and resumes
// another with its buttons, and shows a tenant's history. Screenshots go to
// .fleetshift/test-output/dashboard/. It lives here, not in apps/console, because apps do not import tools.
const blueprint = `dash_${randomBytes(3).toString('hex')}`;
const tenantCount = 20;
const token = `console-test-${randomBytes(12).toString('hex')}`;
const passwordVariable = 'FLEETSHIFT_PW_CONSOLE_TEST_PG';
const outputDir = path.join(workspaceRoot, '.fleetshift', 'test-output', 'dashboard');

const v1 = `
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total_cents integer NOT NULL DEFAULT 0);
`;
const v2 = `${v1}\nCREATE INDEX orders_user_id_idx ON orders (user_id);\n`;
const v3 = `${v2}\nALTER TABLE users ADD COLUMN nickname text;\n`;

let control: TestDatabase;
let stack: RunningStack | undefined;
let browser: Browser | undefined;
let page: Page;
let consoleUrl: string;
let clients: ReturnType<typeof schedulerClients>;
let monitor: ReturnType<typeof healthMonitorClient>;
const pageProblems: string[] = [];
const metadata = () => callMetadata(token);

beforeAll(async () => {
  const executablePath = chromiumExecutable();
  await mkdir(outputDir, { recursive: true });
  control = await createTestDatabase('console');
  const server = new URL(control.serverUrl);
  const password = decodeURIComponent(server.password);
  stack = await startStack({
    ports: 'ephemeral',
    console: true,
    env: {
      FLEETSHIFT_NATS_URL: await findNats(),
      FLEETSHIFT_NATS_NAMESPACE: testNamespace('console'),
      FLEETSHIFT_CONTROL_DB_URL: control.url,
      FLEETSHIFT_SCRATCH_PG_URL: control.serverUrl,
      FLEETSHIFT_API_TOKEN: token,
      // The chart needs a CPU signal: this host's, with levels no test load reaches, so that only the
      // manual throttle below holds a rollout back (load-based throttling is tested in *.serial.test.ts).
      FLEETSHIFT_CPU_SOURCE: 'proc-stat',
      FLEETSHIFT_CPU_THRESHOLD: '1000',
      FLEETSHIFT_CPU_RELEASE: '900',
      FLEETSHIFT_CPU_CRITICAL: '2000',
      FLEETSHIFT_SESSIONS_PER_CORE_THRESHOLD: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_RELEASE: '1000',
      FLEETSHIFT_SESSIONS_PER_CORE_CRITICAL: '2000',
      FLEETSHIFT_CONSOLE_REFRESH_MS: '500',
      ...(password ? { [passwordVariable]: password } : {}),
    },
  });
  consoleUrl = `http://127.0.0.1:${stack.console!.httpPort}`;
  clients = schedulerClients(`127.0.0.1:${stack.scheduler.grpcPort}`);
  monitor = healthMonitorClient(`127.0.0.1:${stack.healthMonitor.grpcPort}`);

  await unary(clients.tenants, clients.tenants.registerCluster, {
    cluster: {
      id: 'local',
      host: server.hostname,
      port: Number(server.port || 5432),
      adminUser: decodeURIComponent(server.username) || 'postgres',
      passwordEnv: password ? passwordVariable : '',
      passwordFile: '',
      maintenanceDatabase: 'postgres',
      connectionBudget: 8,
      labels: {},
      createdAt: undefined,
      sslmode: '',
      sslRootCertFile: '',
    },
    replace: false,
  }, metadata());
  await push(v1, []);
  for (let i = 1; i <= tenantCount; i++) {
    await unary(clients.tenants, clients.tenants.registerTenant, {
      tenantId: tenantId(i),
      blueprint,
      clusterId: 'local',
      isolation: Isolation.ISOLATION_SCHEMA,
      database: '',
      schema: '',
      labels: { tier: i % 5 === 0 ? 'gold' : 'standard' },
      provision: true,
    }, metadata());
  }

  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  page.on('console', (message) => {
    // The 401 answers to the wrong token the first test types in on purpose are expected.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) pageProblems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  clients?.rollouts.close();
  clients?.tenants.close();
  clients?.schemas.close();
  monitor?.close();
  await stack?.stop();
  if (control) {
    const admin = new pg.Client({ connectionString: control.serverUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${blueprint}" WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS "${blueprint}__ghost" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    await control.drop();
  }
});

function tenantId(index: number): string {
  return `t${String(index).padStart(5, '0')}`;
}

async function push(text: string, allowedHazards: string[]): Promise<number> {
  const response = await unary(clients.schemas, clients.schemas.pushSchemaVersion, {
    blueprint,
    schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: `${blueprint}.sql` },
    allowedHazards,
    description: '',
  }, metadata());
  return response.version!.version;
}

async function createRollout(version: number, tenantIds: string[] = []): Promise<string> {
  const request: CreateRolloutRequest = {
    blueprint,
    version,
    selector: { tenantIds, labels: {}, clusterIds: [] },
    batchSize: 5,
    maxBatchesInFlight: 2,
    tenantConcurrency: 2,
    canary: false,
    failurePolicy: undefined,
    allowedHazards: [],
    dryRun: false,
  };
  const { rollout } = await unary(clients.rollouts, clients.rollouts.createRollout, request, metadata());
  return rollout!.id;
}

async function rolloutState(id: string): Promise<RolloutState> {
  const { rollout } = await unary(clients.rollouts, clients.rollouts.getRollout, { rolloutId: id }, metadata());
  return rollout!.state;
}

const row = (id: string) => page.locator(`tr[data-rollout-id="${id}"]`);

/** Waits until the rollout's row in the page shows `state` (the page is never reloaded: events move it). */
async function rowState(id: string, state: string, timeout = 120_000): Promise<void> {
  await row(id).locator('td.state').filter({ hasText: new RegExp(`^${state}$`) }).waitFor({ timeout });
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(outputDir, name), fullPage: true });
}

describe('the web console in headless Chromium', () => {
  it('refuses /api without the token; the page asks for it, refuses a wrong one and goes live with the right one', async () => {
    const without = await fetch(`${consoleUrl}/api/rollouts`);
    expect(without.status).toBe(401);
    const wrong = await fetch(`${consoleUrl}/api/rollouts`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${consoleUrl}/api/rollouts`, { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-security-policy')).toContain("script-src 'self'");
    const unguarded = await fetch(`${consoleUrl}/api/rollouts/x/pause`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(unguarded.status).toBe(403);

    await page.goto(consoleUrl);
    await page.locator('#token-form').waitFor({ state: 'visible' });
    await page.fill('#token-input', 'not-the-token');
    await page.click('#token-form button[type="submit"]');
    await page.locator('#token-error').filter({ hasText: 'The token was refused.' }).waitFor();
    await page.fill('#token-input', token);
    await page.click('#token-form button[type="submit"]');
    await page.locator('#live[data-state="live"]').waitFor();
    expect(page.url()).not.toContain(token);
    // The cluster appears with its throttle state, and the chart fills with the monitor's samples.
    await page.locator('article.cluster[data-cluster-id="local"] .level').filter({ hasText: /^OK$/ }).waitFor({ timeout: 60_000 });
    const card = page.locator('article.cluster[data-cluster-id="local"]');
    await waitFor('three chart points of cluster local', async () => Number(await card.getAttribute('data-points')) >= 3, { timeoutMs: 60_000 });
    expect(await page.locator('article.cluster[data-cluster-id="local"] canvas').count()).toBeGreaterThan(0);
  });

  it('follows a rollout of 20 tenants live until the page shows 100 % and SUCCEEDED', async () => {
    const version = await push(v2, ['INDEX_BUILD']);
    const id = await createRollout(version);
    // The rollout appears in the open page without a reload, and its progress moves to 100 %.
    await row(id).waitFor({ timeout: 30_000 });
    await row(id).locator('.percent').filter({ hasText: /^100 %$/ }).waitFor({ timeout: 180_000 });
    await rowState(id, 'SUCCEEDED');
    expect(await row(id).locator('td.tenants').textContent()).toContain(`${tenantCount} ok · 0 failed`);
    expect(await rolloutState(id)).toBe(RolloutState.ROLLOUT_STATE_SUCCEEDED);
    await screenshot('rollout-succeeded.png');

    // Tenant search: one tenant's history names this rollout's success.
    await page.fill('#tenant-id', tenantId(3));
    await page.click('#tenant-form button[type="submit"]');
    await page.locator(`#tenant-detail h3[data-tenant-id="${tenantId(3)}"]`).waitFor();
    const succeeded = page.locator('#tenant-detail tr[data-kind="succeeded"]');
    await succeeded.first().waitFor();
    expect(await succeeded.first().textContent()).toContain(id);
    expect(await page.locator('#tenant-detail tr[data-kind="provisioned"]').count()).toBe(1);
    // The list by label finds the gold tenants (every fifth).
    await page.fill('#tenant-search input[name="label"]', 'tier=gold');
    await page.click('#tenant-search button[type="submit"]');
    await page.locator('#tenant-results table.tenants tbody tr').nth(tenantCount / 5 - 1).waitFor();
    expect(await page.locator('#tenant-results table.tenants tbody tr').count()).toBe(tenantCount / 5);
    await screenshot('tenant-history.png');
  }, 400_000);

  it('pauses and resumes a rollout with its buttons; the state changes in the page and at the scheduler', async () => {
    const version = await push(v3, ['INDEX_BUILD']);
    // While the cluster is throttled by hand no tenant starts, so the rollout stays RUNNING until paused.
    await unary(monitor, monitor.setManualThrottle, { clusterId: 'local', mode: ManualThrottleMode.MANUAL_THROTTLE_MODE_THROTTLE, reason: 'console test', ttlSeconds: 600 }, metadata());
    let id: string;
    try {
      id = await createRollout(version);
      await rowState(id, 'RUNNING', 30_000);
      await page.locator('article.cluster[data-cluster-id="local"] .level').filter({ hasText: /^THROTTLED$/ }).waitFor({ timeout: 30_000 });
      await row(id).locator('button.pause').click();
      await rowState(id, 'PAUSED', 30_000);
      expect(await rolloutState(id)).toBe(RolloutState.ROLLOUT_STATE_PAUSED);
      expect(await row(id).locator('button.pause').isDisabled()).toBe(true);
      expect(await row(id).locator('button.resume').isEnabled()).toBe(true);
      await screenshot('rollout-paused.png');

      await row(id).locator('button.resume').click();
      await rowState(id, 'RUNNING', 30_000);
      expect(await rolloutState(id)).toBe(RolloutState.ROLLOUT_STATE_RUNNING);
    } finally {
      await unary(monitor, monitor.setManualThrottle, { clusterId: 'local', mode: ManualThrottleMode.MANUAL_THROTTLE_MODE_CLEAR, reason: '', ttlSeconds: 0 }, metadata());
    }
    await row(id).locator('.percent').filter({ hasText: /^100 %$/ }).waitFor({ timeout: 180_000 });
    await rowState(id, 'SUCCEEDED');
    await screenshot('rollout-resumed-succeeded.png');
  }, 400_000);

  it('a failed tenant is listed with its code and error in the rollout details; once it is fixed, Retry failed runs it to 100 %', async () => {
    // A tenant registered without provisioning: its database does not exist, so it fails.
    await unary(clients.tenants, clients.tenants.registerTenant, {
      tenantId: 'ghost',
      blueprint,
      clusterId: 'local',
      isolation: Isolation.ISOLATION_DATABASE,
      database: '',
      schema: '',
      labels: {},
      provision: false,
    }, metadata());
    const id = await createRollout(0, ['ghost']);
    await rowState(id, 'FAILED', 120_000);
    expect(await row(id).locator('td.tenants').textContent()).toContain('0 ok · 1 failed');
    await row(id).locator('td.id a').click();
    const failed = page.locator('#rollout-detail table.failed tbody tr');
    await failed.first().waitFor();
    const cells = await failed.first().locator('td').allTextContents();
    expect(cells[0]).toBe('ghost');
    expect(cells[2]).not.toBe('');
    expect(cells[3]).not.toBe('');
    await screenshot('rollout-failed.png');

    // Retry plans a failed tenant from its live state first: once its database exists (empty), it runs.
    const admin = new pg.Client({ connectionString: control.serverUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${blueprint}__ghost"`);
    } finally {
      await admin.end();
    }
    expect(await row(id).locator('button.retry').isEnabled()).toBe(true);
    await row(id).locator('button.retry').click();
    await row(id).locator('.percent').filter({ hasText: /^100 %$/ }).waitFor({ timeout: 120_000 });
    await rowState(id, 'SUCCEEDED', 120_000);
    expect(await page.locator('#action-error').isHidden()).toBe(true);
    expect(await row(id).locator('td.tenants').textContent()).toContain('1 ok · 0 failed');
    // The retry is in the tenant's history, at the scheduler and in the page.
    const { events } = await unary(clients.tenants, clients.tenants.listTenantEvents, ListTenantEventsRequest.fromPartial({ tenantId: 'ghost', rolloutId: id, limit: 50 }), metadata());
    expect(events.map((event) => event.kind)).toEqual(expect.arrayContaining(['failed', 'retried', 'succeeded']));
    await page.fill('#tenant-id', 'ghost');
    await page.click('#tenant-form button[type="submit"]');
    await page.locator('#tenant-detail tr[data-kind="retried"]').first().waitFor();
    await page.locator('#tenant-detail tr[data-kind="succeeded"]').first().waitFor();
  }, 400_000);

  it('the page met no script error or CSP violation, and no console log line holds the token', async () => {
    expect(pageProblems).toEqual([]);
    await waitFor('the console logged its actions', () => stack!.console!.logs.some((line) => line.msg === 'rollout action from the console'), { timeoutMs: 10_000 });
    const lines = stack!.console!.logs.map((line) => JSON.stringify(line));
    expect(lines.filter((line) => line.includes(token))).toEqual([]);
  });
});
