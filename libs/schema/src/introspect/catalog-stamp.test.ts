import { createTestDatabase, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogStamp } from './catalog-stamp.js';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('stamp');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    CREATE SCHEMA t1; CREATE SCHEMA t2;
    CREATE TYPE t1.mood AS ENUM ('ok', 'sad');
    CREATE TABLE t1.users (id bigint PRIMARY KEY, email text NOT NULL, mood t1.mood);
    CREATE TABLE t1.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total numeric DEFAULT 0);
    CREATE FUNCTION t1.one() RETURNS int LANGUAGE sql AS 'SELECT 1';
    CREATE VIEW t1.big AS SELECT * FROM t1.orders WHERE total > 100;
    CREATE TABLE t2.users (id bigint PRIMARY KEY);
    INSERT INTO t1.users SELECT g, 'u' || g FROM generate_series(1, 200) g;`);
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

describe('catalogStamp', () => {
  // Each statement changes the schema of t1 in a different catalog; each must change t1's stamp.
  const changes = [
    'ALTER TABLE t1.users ADD COLUMN phone text',
    'ALTER TABLE t1.users ALTER COLUMN phone SET DEFAULT $$-$$',
    'ALTER TABLE t1.users ALTER COLUMN phone TYPE varchar(40)',
    'ALTER TABLE t1.users RENAME COLUMN phone TO phone_number',
    'CREATE INDEX users_email ON t1.users (email)',
    'ALTER INDEX t1.users_email RENAME TO users_email_idx',
    'ALTER TABLE t1.orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES t1.users (id) NOT VALID',
    'ALTER TABLE t1.orders VALIDATE CONSTRAINT orders_user',
    'ALTER TABLE t1.orders ADD CONSTRAINT total_positive CHECK (total >= 0)',
    'ALTER TABLE t1.users ALTER COLUMN email DROP NOT NULL',
    "ALTER TYPE t1.mood ADD VALUE 'glad'",
    'COMMENT ON TABLE t1.users IS $$people$$',
    'COMMENT ON COLUMN t1.users.email IS $$where to write$$',
    'CREATE OR REPLACE FUNCTION t1.one() RETURNS int LANGUAGE sql AS $$SELECT 2$$',
    'CREATE OR REPLACE VIEW t1.big AS SELECT * FROM t1.orders WHERE total > 200',
    'CREATE SEQUENCE t1.counter',
    'ALTER SEQUENCE t1.counter INCREMENT BY 5',
    'ALTER SEQUENCE t1.counter OWNED BY t1.orders.id',
    'ALTER TABLE t1.orders ENABLE ROW LEVEL SECURITY',
    'CREATE POLICY mine ON t1.orders USING (user_id > 0)',
    'CREATE FUNCTION t1.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$',
    'CREATE TRIGGER touch BEFORE UPDATE ON t1.orders FOR EACH ROW EXECUTE FUNCTION t1.touch()',
    'ALTER TABLE t1.orders DISABLE TRIGGER touch',
    'GRANT SELECT ON t1.users TO PUBLIC',
    'DROP INDEX t1.users_email_idx',
    'ALTER TABLE t1.users DROP COLUMN mood',
  ];

  it('changes with every kind of schema change in scope', async () => {
    let before = await catalogStamp(client, { schema: 't1' });
    expect(before).toMatch(/^[0-9a-f]{32}$/);
    for (const sql of changes) {
      await client.query(sql);
      const after = await catalogStamp(client, { schema: 't1' });
      expect(after, sql).not.toBe(before);
      before = after;
    }
  });

  it('stays the same through VACUUM, ANALYZE, data changes and changes to another tenant schema', async () => {
    const before = await catalogStamp(client, { schema: 't1' });
    const database = await catalogStamp(client);
    await client.query('INSERT INTO t1.users (id, email, phone_number) SELECT g, $$x$$, $$1$$ FROM generate_series(1000, 1500) g');
    await client.query('VACUUM ANALYZE t1.users');
    await client.query('ANALYZE t1.orders');
    await client.query('ALTER TABLE t2.users ADD COLUMN other text');
    expect(await catalogStamp(client, { schema: 't1' })).toBe(before);
    // Database scope sees every schema: t2's change shows there.
    expect(await catalogStamp(client)).not.toBe(database);
  });

  it('is empty for a schema that does not exist', async () => {
    expect(await catalogStamp(client, { schema: 'missing' })).toBe('');
  });
});
