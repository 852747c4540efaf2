/**
 * The sandbox desired schemas run in (docs/security.md, "Desired schemas run in a sandbox"). A schema
 * text is code: a materialized view's query, a default or a check runs when the schema is loaded, and a
 * PL/pgSQL function it calls can run dynamic SQL. So a scratch database that runs caller text is owned
 * by a login role made for it alone — not a superuser, member of no role but the sandbox group, able to
 * create no role or database — which runs the text; the privileged connection only creates and drops.
 */
export interface SandboxOptions {
  /**
   * The sandbox group role (NOLOGIN, no privileges; created when missing). Each scratch database gets its
   * own login role `<group>_<16 hex digits>`, member of this group, dropped with the database. pg_hba.conf
   * can admit them all as `+<group>`.
   */
  group: string;
  /** statement_timeout of the sandbox session, ms: a statement of the text that runs longer is cancelled. */
  statementTimeoutMs: number;
  /**
   * The whole session's bound, ms (load or replay of one scratch database): past it, the running statement
   * is cancelled, then its backend terminated (a PL/pgSQL handler can catch a cancel, and a function can
   * change its session's statement_timeout; neither survives this).
   */
  sessionTimeoutMs: number;
  /** Largest schema text accepted, in UTF-8 bytes. */
  maxInputBytes: number;
  /** Extensions a desired schema may CREATE (lower case names). */
  allowedExtensions: readonly string[];
}

export const DEFAULT_SANDBOX_GROUP = 'fleetshift_sandbox';

export const DEFAULT_ALLOWED_EXTENSIONS: readonly string[] = ['pgcrypto', 'citext', 'pg_trgm', 'btree_gist', 'btree_gin', 'uuid-ossp', 'hstore'];

/** Function languages a desired schema may use: the trusted ones that run no code outside the database. */
export const ALLOWED_FUNCTION_LANGUAGES: readonly string[] = ['sql', 'plpgsql'];

export const DEFAULT_SANDBOX: SandboxOptions = {
  group: DEFAULT_SANDBOX_GROUP,
  statementTimeoutMs: 10_000,
  sessionTimeoutMs: 300_000,
  maxInputBytes: 1024 * 1024,
  allowedExtensions: DEFAULT_ALLOWED_EXTENSIONS,
};
