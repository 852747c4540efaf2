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
}

export interface RefusedStatement {
  accepted: false;
  /** Why, naming the statement: "INSERT is not schema definition; …". */
  reason: string;
}

export type StatementVerdict = AcceptedStatement | RefusedStatement;

const acceptedSummary =
  'only CREATE (TABLE, INDEX, TYPE … AS ENUM, SEQUENCE, VIEW, MATERIALIZED VIEW, SCHEMA, EXTENSION, FUNCTION, TRIGGER, POLICY), ' +
  'ALTER TABLE … ADD CONSTRAINT/ALTER COLUMN … SET DEFAULT/ENABLE ROW LEVEL SECURITY, ALTER SEQUENCE … OWNED BY and COMMENT ON are accepted';

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
]);

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
  if (objectName !== 'TABLE') return refuse(`ALTER ${objectName}`);
  const commands = ((body.cmds as Node[] | undefined) ?? []).map((c) => c.AlterTableCmd as Node);
  for (const command of commands) {
    const subtype = String(command.subtype);
    if (!acceptedAlterTableCommands.has(subtype)) return refuse(`ALTER TABLE … ${alterTableCommandName(subtype)}`);
  }
  const only = commands.length === 1 ? ` … ${alterTableCommandName(String(commands[0]!.subtype))}` : '';
  return { accepted: true, kind: `ALTER TABLE${only}`, alone: false };
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
