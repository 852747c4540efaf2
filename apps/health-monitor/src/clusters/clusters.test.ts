import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCpuSourceSpec } from '../signals/cpu-source-choice.js';
import { registeredCluster, startClusterRegistry } from '../test-support/cluster-registry.js';
import { clusterPassword } from './cluster-password.js';
import { schedulerClusterSource } from './scheduler-clusters.js';
import { parseStaticClusters } from './static-clusters.js';

describe('FLEETSHIFT_CLUSTERS', () => {
  it('parses id=url entries', () => {
    expect(parseStaticClusters('local=postgresql://postgres@127.0.0.1:5432/postgres, eu-1=postgres://ops:s3cret@db1.internal/admin')).toEqual([
      { id: 'local', host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', password: undefined },
      { id: 'eu-1', host: 'db1.internal', port: 5432, user: 'ops', database: 'admin', password: 's3cret' },
    ]);
  });

  it('names the bad entry without showing its password', () => {
    expect(() => parseStaticClusters('postgresql://u:pw@h/db')).toThrow(/bad cluster id/);
    expect(() => parseStaticClusters('a=mysql://u:topsecret@h/db')).toThrow(/^cluster a: expected a postgresql:\/\/ URL$/);
    expect(() => parseStaticClusters('a=postgresql://h/db,a=postgresql://h/db')).toThrow(/listed twice/);
    expect(() => parseStaticClusters('a=mysql://u:topsecret@h/db')).not.toThrow(/topsecret/);
  });
});

describe('cluster passwords', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hm-pw-'));
    process.env.FLEETSHIFT_SECRETS_DIR = dir; // password files must be inside the operator's secrets directory
  });
  afterAll(async () => {
    delete process.env.FLEETSHIFT_SECRETS_DIR;
    await rm(dir, { recursive: true, force: true });
  });

  it('reads password_env, else password_file, and names what is missing without a value', async () => {
    const base = { id: 'c', host: 'h', port: 5432, user: 'u', database: 'd' };
    process.env.FLEETSHIFT_PW_HM_TEST = 'from-env';
    expect(await clusterPassword({ ...base, passwordEnv: 'FLEETSHIFT_PW_HM_TEST' })).toBe('from-env');
    await expect(clusterPassword({ ...base, passwordEnv: 'FLEETSHIFT_PW_HM_TEST_UNSET' })).rejects.toThrow(/FLEETSHIFT_PW_HM_TEST_UNSET is not set \(password_env\)/);
    const file = path.join(dir, 'pw');
    await writeFile(file, 'from-file\n');
    expect(await clusterPassword({ ...base, passwordFile: file })).toBe('from-file');
    await expect(clusterPassword({ ...base, passwordFile: path.join(dir, 'missing') })).rejects.toThrow(/password_file .* cannot be read: ENOENT/);
    expect(await clusterPassword(base)).toBeUndefined();
  });

  it('refuses a variable without the FLEETSHIFT_PW_ prefix and a file outside the secrets directory, reading neither', async () => {
    const base = { id: 'c', host: 'h', port: 5432, user: 'u', database: 'd' };
    await expect(clusterPassword({ ...base, passwordEnv: 'PATH' })).rejects.toThrow(/cluster c: password_env "PATH" is refused: .*FLEETSHIFT_PW_/);
    await expect(clusterPassword({ ...base, passwordFile: '/etc/shadow' })).rejects.toThrow(/password_file "\/etc\/shadow" is refused/);
    await expect(clusterPassword({ ...base, passwordFile: `${dir}/../etc/passwd` })).rejects.toThrow(/'\.\.' is not allowed/);
  });
});

describe('scheduler cluster source (TenantService.ListClusters)', () => {
  const token = 'hm-test-token';
  let registry: Awaited<ReturnType<typeof startClusterRegistry>>;
  beforeAll(async () => {
    registry = await startClusterRegistry({ apiToken: token });
  });
  afterAll(() => registry?.stop());

  it('lists the registered clusters, sampling through their maintenance database, with labels for CPU and cores', async () => {
    const registration = { host: '10.0.0.5', port: 6432, adminUser: 'fleet', maintenanceDatabase: 'ops' };
    registry.clusters = [
      registeredCluster({ ...registration, id: 'eu-1', passwordEnv: 'EU1_PASSWORD', labels: { cores: '16', prometheus_query: 'cpu_busy{host="db1"}' } }),
      registeredCluster({ ...registration, id: 'us-1', maintenanceDatabase: '' }),
    ];

    const source = schedulerClusterSource({ address: registry.address, apiToken: token });
    try {
      const specs = await source.list();
      expect(specs).toEqual([
        {
          id: 'eu-1', host: '10.0.0.5', port: 6432, user: 'fleet', database: 'ops', passwordEnv: 'EU1_PASSWORD', passwordFile: undefined,
          cores: 16, cpu: { kind: 'prometheus', url: undefined, query: 'cpu_busy{host="db1"}' },
        },
        {
          id: 'us-1', host: '10.0.0.5', port: 6432, user: 'fleet', database: 'postgres', passwordEnv: undefined, passwordFile: undefined,
          cores: undefined, cpu: undefined,
        },
      ]);
      const defaults = { source: 'auto' as const, prometheusUrl: 'http://prom:9090', prometheusQuery: 'busy{instance="{host}:{port}"}', prometheusQueries: {} };
      expect(chooseCpuSourceSpec(specs[0], defaults)).toEqual({ kind: 'prometheus', url: 'http://prom:9090', query: 'cpu_busy{host="db1"}' });
      expect(chooseCpuSourceSpec(specs[1], defaults)).toEqual({ kind: 'prometheus', url: 'http://prom:9090', query: 'busy{instance="10.0.0.5:6432"}' });
      expect(chooseCpuSourceSpec(specs[1], { ...defaults, prometheusUrl: undefined })).toEqual({ kind: 'none' });
      expect(chooseCpuSourceSpec({ ...specs[1], host: '127.0.0.1' }, defaults)).toEqual({ kind: 'postmaster', hostFallback: true });
    } finally {
      await source.close?.();
    }
  });

  it('sends the API token; without it the refusal names the scheduler and the status', async () => {
    registry.clusters = [registeredCluster({ id: 'one', host: 'db1', port: 5432 })];
    const withoutToken = schedulerClusterSource({ address: registry.address });
    const wrongToken = schedulerClusterSource({ address: registry.address, apiToken: 'not-the-token' });
    try {
      await expect(withoutToken.list()).rejects.toThrow(`cannot list clusters: the scheduler at ${registry.address} answered UNAUTHENTICATED: missing or wrong bearer token`);
      await expect(wrongToken.list()).rejects.toThrow(/answered UNAUTHENTICATED/);
      await expect(wrongToken.list()).rejects.not.toThrow(/not-the-token/);
    } finally {
      await Promise.all([withoutToken.close?.(), wrongToken.close?.()]);
    }
  });

  it('names an unreachable scheduler the same way on every attempt, whatever the transport says', async () => {
    const source = schedulerClusterSource({ address: '127.0.0.1:1', callTimeoutMs: 2_000 });
    try {
      const message = 'cannot list clusters: the scheduler at 127.0.0.1:1 is unreachable (UNAVAILABLE)';
      const first = await source.list().catch((error: Error) => error);
      const second = await source.list().catch((error: Error) => error);
      expect(first).toBeInstanceOf(Error);
      expect((first as Error).message).toBe(message);
      expect((second as Error).message).toBe(message);
      // The transport's own words stay available as the cause (pino logs them with the message).
      expect(String(((first as Error).cause as Error).message)).toMatch(/ECONNREFUSED/);
    } finally {
      await source.close?.();
    }
  });
});
