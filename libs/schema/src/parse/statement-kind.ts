/**
 * Which PostgreSQL statements a desired schema may contain, decided on the parse tree: schema
 * definition is accepted, everything else (data changes, DROP, GRANT, SET, transaction control …) is
 * refused by its SQL name so the author knows exactly which line to remove.
 */

/** How an accepted statement is run when the schema is loaded. */
export interface AcceptedStatement {
  accepted: true;
  /** The statement's SQL name, e.g. "CREATE TABLE", "ALTER TABLE … ADD CONSTRAINT". */
  kind: string;
  /** Must run on its own, outside a multi-statement batch (CREATE INDEX CONCURRENTLY, ALTER TYPE … ADD VALUE). */
  alone: boolean;
  /**
   * Accepted but not run: what pg_dump writes around the schema that changes nothing the catalog models
   * (its session settings, `set_config('search_path', '', false)`, `OWNER TO`).
   */
  ignored?: boolean;
}

export interface RefusedStatement {
  accepted: false;
  /** Why, naming the statement: "INSERT is not schema definition; …". */
  reason: string;
}

export type StatementVerdict = AcceptedStatement | RefusedStatement;

const acceptedSummary =
  'only CREATE (TABLE, INDEX, TYPE … AS ENUM, SEQUENCE, VIEW, MATERIALIZED VIEW, SCHEMA, EXTENSION, FUNCTION, TRIGGER, POLICY), ' +
  'ALTER TABLE … ADD CONSTRAINT/ALTER COLUMN … SET DEFAULT/ENABLE ROW LEVEL SECURITY/ATTACH PARTITION/REPLICA IDENTITY, ' +
  'ALTER INDEX … ATTACH PARTITION, ALTER SEQUENCE … OWNED BY, COMMENT ON and what pg_dump --schema-only writes around them are accepted';

/** ALTER TABLE subcommands that define schema (what pg_dump and hand-written DDL use to finish a table). */
const acceptedAlterTableCommands = new Set([
  'AT_AddConstraint',
  'AT_AddColumn',
  'AT_ColumnDefault',
  'AT_SetNotNull',
  'AT_AddIdentity',
  'AT_EnableRowSecurity',
  'AT_DisableRowSecurity',
  'AT_ForceRowSecurity',
  'AT_NoForceRowSecurity',
  'AT_AttachPartition',
  'AT_EnableTrig',
  'AT_DisableTrig',
  // pg_dump --schema-only writes these after the tables; run in the scratch database, not all modelled
  // (libs/schema/README.md, "PostgreSQL DDL input").
  'AT_ReplicaIdentity',
  'AT_SetStatistics',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_SetOptions',
  'AT_ClusterOn',
]);

/**
 * Session settings pg_dump writes at the top of a dump, with the values it writes (undefined: any value).
 * They change nothing in the schema, and some (statement_timeout, lock_timeout) must not lift the
 * loading sandbox's bounds: skipped. Any other SET is refused.
 */
const pgDumpSettings: Record<string, readonly string[] | undefined> = {
  statement_timeout: undefined,
  lock_timeout: undefined,
  idle_in_transaction_session_timeout: undefined,
  client_encoding: undefined,
  standard_conforming_strings: ['on'],
  xmloption: ['content'],
  client_min_messages: undefined,
  row_security: ['off'],
  default_tablespace: [''],
  default_table_access_method: ['heap'],
};

type Node = Record<string, unknown>;

/** Classifies one top-level statement of the parse tree ({ CreateStmt: {…} } etc.). */
export function classifyStatement(stmt: Node): StatementVerdict {
  const [nodeType, body] = Object.entries(stmt)[0] as [string, Node];
  const accept = (kind: string, alone = false): AcceptedStatement => ({ accepted: true, kind, alone });
  switch (nodeType) {
    case 'CreateStmt':
      if (relpersistence(body) === 't') return refuse('CREATE TEMPORARY TABLE');
      return accept(body.partbound ? 'CREATE TABLE … PARTITION OF' : 'CREATE TABLE');
    case 'IndexStmt':
      return accept('CREATE INDEX', body.concurrent === true);
    case 'CreateEnumStmt':
      return accept('CREATE TYPE … AS ENUM');
    case 'AlterEnumStmt':
      // A value added in a transaction cannot be used before commit, so it runs on its own.
      return body.oldVal ? refuse('ALTER TYPE … RENAME VALUE') : accept('ALTER TYPE … ADD VALUE', true);
    case 'CreateSeqStmt':
      return accept('CREATE SEQUENCE');
    case 'AlterSeqStmt':
      return accept('ALTER SEQUENCE');
    case 'ViewStmt':
      return accept('CREATE VIEW');
    case 'CreateTableAsStmt':
      return body.objtype === 'OBJECT_MATVIEW' ? accept('CREATE MATERIALIZED VIEW') : refuse('CREATE TABLE … AS');
    case 'CreateSchemaStmt':
      return accept('CREATE SCHEMA');
    case 'CreateExtensionStmt':
      return accept('CREATE EXTENSION');
    case 'CreateFunctionStmt':
      return accept(body.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION');
    case 'CreateTrigStmt':
      return accept('CREATE TRIGGER');
    case 'CreatePolicyStmt':
      return accept('CREATE POLICY');
    case 'CommentStmt':
      return accept('COMMENT ON');
    case 'AlterTableStmt':
      return classifyAlterTable(body);
    case 'VariableSetStmt':
      return classifySet(body);
    case 'SelectStmt':
      // pg_dump's `SELECT pg_catalog.set_config('search_path', '', false);`: the loader sets search_path itself.
      return isPgDumpSearchPathReset(body) ? { accepted: true, kind: 'SELECT pg_catalog.set_config(…)', alone: false, ignored: true } : refuse('SELECT');
    case 'AlterOwnerStmt':
      // Owners are not modelled (a dump names roles the scratch server need not have).
      return { accepted: true, kind: alterName(body.objectType, 'OWNER TO'), alone: false, ignored: true };
    case 'CompositeTypeStmt':
      return unsupported('CREATE TYPE … AS (composite type)');
    case 'CreateDomainStmt':
      return unsupported('CREATE DOMAIN');
    default:
      return refuse(statementName(nodeType, body));
  }
}

function classifyAlterTable(body: Node): StatementVerdict {
  const objectName = objectTypeName(body.objtype) ?? 'TABLE';
  const commands = ((body.cmds as Node[] | undefined) ?? []).map((c) => c.AlterTableCmd as Node);
  // `ALTER TABLE|SEQUENCE|VIEW … OWNER TO`: owners are not modelled; pg_dump writes one per object.
  if (commands.length > 0 && commands.every((c) => c.subtype === 'AT_ChangeOwner')) {
    return { accepted: true, kind: `ALTER ${objectName} … OWNER TO`, alone: false, ignored: true };
  }
  // pg_dump attaches a partition's index to its parent's (`ON ONLY`) index this way.
  if (objectName === 'INDEX' && commands.length === 1 && commands[0]!.subtype === 'AT_AttachPartition') {
    return { accepted: true, kind: 'ALTER INDEX … ATTACH PARTITION', alone: false };
  }
  if (objectName !== 'TABLE') return refuse(`ALTER ${objectName}`);
  for (const command of commands) {
    const subtype = String(command.subtype);
    if (!acceptedAlterTableCommands.has(subtype)) return refuse(`ALTER TABLE … ${alterTableCommandName(subtype)}`);
  }
  const only = commands.length === 1 ? ` … ${alterTableCommandName(String(commands[0]!.subtype))}` : '';
  return { accepted: true, kind: `ALTER TABLE${only}`, alone: false };
}

function classifySet(body: Node): StatementVerdict {
  const name = String(body.name ?? '');
  if (body.kind === 'VAR_SET_VALUE' && body.is_local !== true) {
    // pg_dump writes `SET check_function_bodies = false` so that SQL functions may read tables created
    // after them: run, for the rest of the load.
    if (name === 'check_function_bodies' && settingValues(body).join() === 'false') return { accepted: true, kind: 'SET check_function_bodies', alone: false };
    if (name in pgDumpSettings) {
      const allowed = pgDumpSettings[name];
      if (!allowed || allowed.includes(settingValues(body).join())) return { accepted: true, kind: `SET ${name}`, alone: false, ignored: true };
    }
  }
  return refuse('SET');
}

/** The constant values of a SET statement, as text ("on", "0", "", "false"). */
function settingValues(body: Node): string[] {
  return ((body.args as Node[] | undefined) ?? []).map((a) => constText(a.A_Const as Node | undefined) ?? '?');
}

/** A parse tree constant as text (libpg-query leaves 0, false and '' as empty objects). */
function constText(c: Node | undefined): string | undefined {
  if (!c) return undefined;
  if (c.sval) return String((c.sval as Node).sval ?? '');
  if (c.ival) return String((c.ival as Node).ival ?? 0);
  if (c.boolval) return String((c.boolval as Node).boolval ?? false);
  if (c.fval) return String((c.fval as Node).fval);
  return undefined;
}

/** `SELECT pg_catalog.set_config('search_path', '', false)` exactly, as pg_dump writes it. */
function isPgDumpSearchPathReset(body: Node): boolean {
  const targets = (body.targetList as Node[] | undefined) ?? [];
  if (targets.length !== 1 || Object.keys(body).some((k) => !['targetList', 'limitOption', 'op'].includes(k))) return false;
  const call = ((targets[0]!.ResTarget as Node | undefined)?.val as Node | undefined)?.FuncCall as Node | undefined;
  const name = ((call?.funcname as Node[] | undefined) ?? []).map((n) => (n.String as Node | undefined)?.sval).join('.');
  const args = ((call?.args as Node[] | undefined) ?? []).map((a) => constText(a.A_Const as Node | undefined));
  return name === 'pg_catalog.set_config' && args.join('|') === 'search_path||false' && args.length === 3;
}

function refuse(name: string): RefusedStatement {
  return { accepted: false, reason: `${name} is not schema definition; ${acceptedSummary}` };
}

function unsupported(name: string): RefusedStatement {
  return { accepted: false, reason: `${name} is not supported in a desired schema yet; ${acceptedSummary}` };
}

function relpersistence(body: Node): unknown {
  return (body.relation as Node | undefined)?.relpersistence;
}

/** SQL names of statements whose node type does not spell them well. */
const statementNames: Record<string, (body: Node) => string> = {
  InsertStmt: () => 'INSERT',
  UpdateStmt: () => 'UPDATE',
  DeleteStmt: () => 'DELETE',
  MergeStmt: () => 'MERGE',
  SelectStmt: () => 'SELECT',
  CopyStmt: () => 'COPY',
  TruncateStmt: () => 'TRUNCATE',
  DoStmt: () => 'DO',
  CallStmt: () => 'CALL',
  VariableSetStmt: () => 'SET',
  VariableShowStmt: () => 'SHOW',
  GrantStmt: (b) => (b.is_grant ? 'GRANT' : 'REVOKE'),
  GrantRoleStmt: (b) => (b.is_grant ? 'GRANT' : 'REVOKE'),
  DropStmt: (b) => `DROP ${objectTypeName(b.removeType) ?? ''}`.trim(),
  RenameStmt: (b) => alterName(b.renameType, 'RENAME'),
  AlterOwnerStmt: (b) => alterName(b.objectType, 'OWNER TO'),
  AlterObjectSchemaStmt: (b) => alterName(b.objectType, 'SET SCHEMA'),
  TransactionStmt: (b) => String(b.kind ?? 'TRANS_STMT_BEGIN').replace('TRANS_STMT_', '').replace('_', ' '),
  ExplainStmt: () => 'EXPLAIN',
  VacuumStmt: (b) => (b.is_vacuumcmd === false ? 'ANALYZE' : 'VACUUM'),
  ClusterStmt: () => 'CLUSTER',
  ReindexStmt: () => 'REINDEX',
  LockStmt: () => 'LOCK',
  NotifyStmt: () => 'NOTIFY',
  ListenStmt: () => 'LISTEN',
  DiscardStmt: () => 'DISCARD',
  CreateRoleStmt: () => 'CREATE ROLE',
  CreatedbStmt: () => 'CREATE DATABASE',
  DropdbStmt: () => 'DROP DATABASE',
  CreateTableSpaceStmt: () => 'CREATE TABLESPACE',
  RefreshMatViewStmt: () => 'REFRESH MATERIALIZED VIEW',
  AlterFunctionStmt: () => 'ALTER FUNCTION',
  AlterDefaultPrivilegesStmt: () => 'ALTER DEFAULT PRIVILEGES',
  SecLabelStmt: () => 'SECURITY LABEL',
};

/** The statement's SQL name: a known one, else derived from the node type (CreateRoleStmt → CREATE ROLE). */
export function statementName(nodeType: string, body: Node): string {
  const known = statementNames[nodeType];
  if (known) return known(body);
  return nodeType
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** "ALTER TABLE … RENAME", or "ALTER … RENAME" when the object type is unknown. */
function alterName(objtype: unknown, action: string): string {
  const object = objectTypeName(objtype);
  return object ? `ALTER ${object} … ${action}` : `ALTER … ${action}`;
}

/** OBJECT_MATVIEW → MATERIALIZED VIEW, OBJECT_TABLE → TABLE. */
function objectTypeName(objtype: unknown): string | undefined {
  if (typeof objtype !== 'string') return undefined;
  const name = objtype.replace(/^OBJECT_/, '');
  const special: Record<string, string> = { MATVIEW: 'MATERIALIZED VIEW', FOREIGN_TABLE: 'FOREIGN TABLE', TABCONSTRAINT: 'CONSTRAINT' };
  return special[name] ?? name.replace(/_/g, ' ');
}

/** AT_DropColumn → DROP COLUMN; a few subtypes are spelled by hand where the enum name misleads. */
function alterTableCommandName(subtype: string): string {
  const special: Record<string, string> = {
    AT_ColumnDefault: 'ALTER COLUMN … SET DEFAULT',
    AT_AlterColumnType: 'ALTER COLUMN … TYPE',
    AT_DropNotNull: 'ALTER COLUMN … DROP NOT NULL',
    AT_SetNotNull: 'ALTER COLUMN … SET NOT NULL',
    AT_EnableRowSecurity: 'ENABLE ROW LEVEL SECURITY',
    AT_DisableRowSecurity: 'DISABLE ROW LEVEL SECURITY',
    AT_ForceRowSecurity: 'FORCE ROW LEVEL SECURITY',
    AT_NoForceRowSecurity: 'NO FORCE ROW LEVEL SECURITY',
    AT_ChangeOwner: 'OWNER TO',
    AT_EnableTrig: 'ENABLE TRIGGER',
    AT_DisableTrig: 'DISABLE TRIGGER',
    AT_AddIdentity: 'ALTER COLUMN … ADD GENERATED … AS IDENTITY',
  };
  return (
    special[subtype] ??
    subtype
      .replace(/^AT_/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toUpperCase()
  );
}
