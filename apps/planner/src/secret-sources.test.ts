import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaFormat, unary, plannerClient, type ConnectionTarget } from '@fleetshift/contracts';
import { createTestDatabase, findPostgres, startAttackerHost, startService, type AttackerHost, type ServiceProcess, type TestDatabase } from '@fleetshift/testing';
import { grpcError } from './testing/planner-client.js';

// The attack: a caller of Introspect / Plan names the planner's own secrets as the password source and
// points `host` at a server it controls. The planner must refuse with PERMISSION_DENIED before it
// connects anywhere — the attacker host below records every connection it receives.
const apiToken = 'planner-api-token-for-secret-test';
let service: ServiceProcess;
let client: ReturnType<typeof plannerClient>;
let attacker: AttackerHost;
let root: string;
let tenant: TestDatabase;
const meta = () => {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${apiToken}`);
  return metadata;
};
const schema = { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: 'CREATE TABLE t (id bigint PRIMARY KEY);', filename: 'schema.sql' };

beforeAll(async () => {
  const serverUrl = await findPostgres();
  root = await mkdtemp(path.join(tmpdir(), 'planner-secret-sources-'));
  const secrets = path.join(root, 'secrets');
  await mkdir(secrets);
  await writeFile(path.join(root, 'outside'), 'outside-secret\n');
  await symlink(path.join(root, 'outside'), path.join(secrets, 'escape'));
  await symlink('/etc/shadow', path.join(secrets, 'shadow'));
  attacker = await startAttackerHost();
  tenant = await createTestDatabase('planner_secret');
  const server = new URL(serverUrl);
  service = await startService('planner', {
    FLEETSHIFT_SCRATCH_PG_URL: serverUrl,
    FLEETSHIFT_API_TOKEN: apiToken,
    FLEETSHIFT_SECRETS_DIR: secrets,
    FLEETSHIFT_PW_PLANNER_TEST: decodeURIComponent(server.password) || 'unused-under-trust',
  });
  client = plannerClient(`127.0.0.1:${service.grpcPort}`);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await attacker?.stop();
  await tenant?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

function attackTarget(source: Partial<ConnectionTarget>): ConnectionTarget {
  return {
    host: attacker.host, port: attacker.port, user: 'postgres', database: 'loot', passwordEnv: '', passwordFile: '', schema: '',
    sslmode: '', sslRootCertFile: '', ...source,
  };
}

describe('password sources a caller names (planner)', () => {
  const attacks: Array<[string, Partial<ConnectionTarget>, RegExp]> = [
    ['password_env PATH', { passwordEnv: 'PATH' }, /password_env "PATH" is refused: a password variable must be named FLEETSHIFT_PW_<name>/],
    ['password_env FLEETSHIFT_API_TOKEN', { passwordEnv: 'FLEETSHIFT_API_TOKEN' }, /password_env "FLEETSHIFT_API_TOKEN" is refused/],
    ['password_env PGPASSWORD', { passwordEnv: 'PGPASSWORD' }, /password_env "PGPASSWORD" is refused/],
    ['password_file /etc/shadow', { passwordFile: '/etc/shadow' }, /password_file "\/etc\/shadow" is refused: a secret file must be inside/],
    ['password_file escaping with ..', { passwordFile: '../outside' }, /password_file "\.\.\/outside" is refused: '\.\.' is not allowed/],
    ['password_file through a symbolic link out', { passwordFile: 'escape' }, /password_file "escape" is refused: it leads outside the secrets directory through a symbolic link/],
    ['password_file linked to /etc/shadow', { passwordFile: 'shadow' }, /password_file "shadow" is refused: it leads outside/],
    ['ssl_root_cert_file /etc/shadow', { sslmode: 'verify-full', sslRootCertFile: '/etc/shadow' }, /ssl_root_cert_file "\/etc\/shadow" is refused/],
  ];

  it('Introspect and Plan refuse each with PERMISSION_DENIED naming the field and the rule, and never connect', async () => {
    for (const [what, source, message] of attacks) {
      for (const call of [
        () => unary(client, client.introspect, { tenant: attackTarget(source) }, meta()),
        () => unary(client, client.plan, { schema, tenant: attackTarget(source), allowHazards: [] }, meta()),
      ]) {
        const error = await grpcError(call());
        expect({ what, code: error.code }).toEqual({ what, code: grpc.status.PERMISSION_DENIED });
        expect(error.details).toMatch(message);
        expect(error.details).not.toContain(apiToken);
        expect(error.details).not.toContain('outside-secret');
      }
    }
    expect(attacker.connections()).toBe(0);
  });

  it('an allowed FLEETSHIFT_PW_ variable is not refused: the planner connects (to the attacker host, proving it counts) and to the real tenant', async () => {
    const error = await grpcError(unary(client, client.introspect, { tenant: attackTarget({ passwordEnv: 'FLEETSHIFT_PW_PLANNER_TEST' }) }, meta()));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(attacker.connections()).toBe(1);
    const url = new URL(tenant.url);
    const real: ConnectionTarget = {
      host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), database: tenant.name,
      passwordEnv: 'FLEETSHIFT_PW_PLANNER_TEST', passwordFile: '', schema: '', sslmode: 'disable', sslRootCertFile: '',
    };
    const introspected = await unary(client, client.introspect, { tenant: real }, meta());
    expect(introspected.fingerprint).toMatch(/\S/);
    const planned = await unary(client, client.plan, { schema, tenant: real, allowHazards: [] }, meta());
    expect(planned.plan!.steps.map((s) => s.sql).join('\n')).toContain('CREATE TABLE');
  });
});
