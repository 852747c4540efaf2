import type { Cluster } from '@fleetshift/contracts';
import type { Queryable } from './queryable.js';

const columns = `id, host, port, admin_user, password_env, password_file, maintenance_database, connection_budget,
  labels, created_at, sslmode, ssl_root_cert_file`;

interface ClusterRow {
  id: string;
  host: string;
  port: number;
  admin_user: string;
  password_env: string;
  password_file: string;
  maintenance_database: string;
  connection_budget: number;
  labels: Record<string, string>;
  created_at: Date;
  sslmode: string;
  ssl_root_cert_file: string;
}

function toCluster(row: ClusterRow): Cluster {
  return {
    id: row.id,
    host: row.host,
    port: row.port,
    adminUser: row.admin_user,
    passwordEnv: row.password_env,
    passwordFile: row.password_file,
    maintenanceDatabase: row.maintenance_database,
    connectionBudget: row.connection_budget,
    labels: row.labels,
    createdAt: row.created_at,
    sslmode: row.sslmode,
    sslRootCertFile: row.ssl_root_cert_file,
  };
}

/** Inserts or updates a cluster (registering again changes its connection details). */
export async function upsertCluster(db: Queryable, cluster: Cluster): Promise<Cluster> {
  const { rows } = await db.query<ClusterRow>(
    `INSERT INTO clusters (id, host, port, admin_user, password_env, password_file, maintenance_database, connection_budget, labels,
       sslmode, ssl_root_cert_file)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port, admin_user = EXCLUDED.admin_user,
       password_env = EXCLUDED.password_env, password_file = EXCLUDED.password_file,
       maintenance_database = EXCLUDED.maintenance_database, connection_budget = EXCLUDED.connection_budget,
       labels = EXCLUDED.labels, sslmode = EXCLUDED.sslmode, ssl_root_cert_file = EXCLUDED.ssl_root_cert_file
     RETURNING ${columns}`,
    [
      cluster.id,
      cluster.host,
      cluster.port,
      cluster.adminUser,
      cluster.passwordEnv,
      cluster.passwordFile,
      cluster.maintenanceDatabase,
      cluster.connectionBudget,
      JSON.stringify(cluster.labels),
      cluster.sslmode ?? '',
      cluster.sslRootCertFile ?? '',
    ],
  );
  return toCluster(rows[0]);
}

export async function getCluster(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<Cluster | undefined> {
  const { rows } = await db.query<ClusterRow>(`SELECT ${columns} FROM clusters WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] && toCluster(rows[0]);
}

/** Clusters by id; with `page`, at most `limit` of them after the id `after` (keyset paging). */
export async function listClusters(db: Queryable, page?: { after?: string; limit: number }): Promise<Cluster[]> {
  if (!page) {
    const { rows } = await db.query<ClusterRow>(`SELECT ${columns} FROM clusters ORDER BY id`);
    return rows.map(toCluster);
  }
  const { rows } = await db.query<ClusterRow>(`SELECT ${columns} FROM clusters WHERE id > $1 ORDER BY id LIMIT $2`, [page.after ?? '', page.limit]);
  return rows.map(toCluster);
}
