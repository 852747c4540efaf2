import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgres } from '@fleetshift/testing';
import { runFleetshift } from '../testing/cli-process.js';

/** A documented planner gap (libs/schema README, "Functions"): the plan fails at its first step. */
const functionReadingNewTable = `CREATE TABLE a (id int);
CREATE FUNCTION count_a() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM a $$;
CREATE TABLE b (id int, n bigint DEFAULT count_a());
`;
const v1 = 'CREATE TABLE t (id bigint PRIMARY KEY, name varchar(50));\n';
const v2 = 'CREATE TABLE t (id bigint PRIMARY KEY, name text NOT NULL, at timestamptz DEFAULT now());\nCREATE INDEX t_name_idx ON t (name);\n';

let dir: string;
let env: Record<string, string>;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fleetshift-cli-verify-'));
  env = { FLEETSHIFT_SCRATCH_PG_URL: await findPostgres() };
  await Promise.all([
    writeFile(file('empty.sql'), ''),
    writeFile(file('v1.sql'), v1),
    writeFile(file('v2.sql'), v2),
    writeFile(file('gap.sql'), functionReadingNewTable),
    writeFile(file('citext-v1.sql'), 'CREATE EXTENSION IF NOT EXISTS citext SCHEMA public;\nCREATE TABLE u (id int PRIMARY KEY, email public.citext);\n'),
    writeFile(file('citext-v2.sql'), 'CREATE EXTENSION IF NOT EXISTS citext SCHEMA public;\nCREATE TABLE u (id int PRIMARY KEY, email public.citext NOT NULL);\n'),
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fleetshift plan --verify', () => {
  it('prints the same plan as without --verify when it converges (also in schema scope)', async () => {
    const args = ['plan', '--from', file('v1.sql'), '--to', file('v2.sql'), '--allow', 'all'];
    const plain = await runFleetshift(args, env);
    const verified = await runFleetshift([...args, '--verify'], env);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toBe(plain.stdout);
    const scoped = await runFleetshift([...args, '--schema', 'tenant_3', '--verify'], env);
    expect(scoped.code).toBe(0);
    expect(scoped.stdout).toContain('schema-relative');
  });

  it('verifies in schema scope when the tables use an extension the files install in a shared schema', async () => {
    const result = await runFleetshift(['plan', '--from', file('citext-v1.sql'), '--to', file('citext-v2.sql'), '--schema', 'tenant_4', '--allow', 'all', '--verify'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SET NOT NULL');
  });

  it('exits 1 with what failed, and prints no plan, when the plan does not converge; without --verify the plan is printed', async () => {
    const args = ['plan', '--from', file('empty.sql'), '--to', file('gap.sql')];
    const verified = await runFleetshift([...args, '--verify'], env);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toBe('');
    expect(verified.stderr).toMatch(/^--verify: plan [0-9a-f]{12} → [0-9a-f]{12} does not converge: .*step 1 \[create-function\].*relation "a" does not exist/);
    expect(verified.stderr).not.toMatch(/\n\s+at /); // a message, not a stack
    const unverified = await runFleetshift(args, env);
    expect(unverified.code).toBe(0);
    expect(unverified.stdout).toContain('CREATE OR REPLACE FUNCTION');
  });
});
