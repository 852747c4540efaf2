import type pg from 'pg';

/** Anything that runs a query: a pool, or one client (inside a transaction). */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** Runs `work` inside one transaction on a client of the pool; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
