import type { LintFinding } from '@fleetshift/contracts';
import { parseSync, hasSqlDetails } from 'libpg-query';
import { isKnownNonVolatile } from '../changes/support/default-volatility.js';
import { HazardCode } from '../changes/support/hazards.js';
import './parser-ready.js';
import { SchemaInputError } from '../parse/schema-input-error.js';
import { SourcePosition } from './source-position.js';

type Node = Record<string, any>;

/**
 * Thrown for SQL the PostgreSQL parser rejects: the parser's message at file:line:column — a
 * SchemaInputError (same fields and message) under its own name.
 */
export class LintSyntaxError extends SchemaInputError {
  override readonly name: string = 'LintSyntaxError';
}

interface Rule {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  hazards: string[];
  /** The column a column rule is about. */
  column?: string;
}

/**
 * The NOT NULL recipe: `ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID`, then `VALIDATE CONSTRAINT c`
 * — after which SET NOT NULL on col does not scan (PostgreSQL 12+), so it is not flagged.
 */
function trackNotNullProofs(node: Node, checks: Map<string, string>, proven: Set<string>): void {
  const table = node.relation?.relname ?? '';
  for (const { AlterTableCmd: cmd } of (node.cmds ?? []) as Node[]) {
    if (!cmd) continue;
    const c = cmd.def?.Constraint;
    if (cmd.subtype === 'AT_AddConstraint' && c?.contype === 'CONSTR_CHECK') {
      const test = c.raw_expr?.NullTest;
      const column = test?.nulltesttype === 'IS_NOT_NULL' ? test.arg?.ColumnRef?.fields?.[0]?.String?.sval : undefined;
      if (column && c.conname) checks.set(`${table}.${c.conname}`, column);
    }
    if (cmd.subtype === 'AT_ValidateConstraint') {
      const column = checks.get(`${table}.${cmd.name}`);
      if (column) proven.add(`${table}.${column}`);
    }
  }
}

/**
 * Lints a migration script for statements that block the application or lose data, parsing it with the
 * real PostgreSQL parser (libpg-query). Tables created earlier in the same script are new: the
 * lock-related rules do not apply to them. Findings carry the statement's 1-based line and column.
 *
 * Rules: create-index-not-concurrently, drop-index-not-concurrently, reindex-not-concurrently,
 * add-foreign-key-validates, add-check-validates, add-unique-builds-index, set-not-null-scan,
 * alter-column-type, add-column-volatile-default, add-column-rewrites, add-column-not-null-without-default,
 * drop-column, drop-table, truncate, rename, vacuum-full, cluster, explicit-lock, refresh-not-concurrently,
 * missing-lock-timeout.
 */
export function lintSql(sql: string, filename = '<input>'): LintFinding[] {
  const position = new SourcePosition(sql);
  let stmts: Array<{ stmt: Node; stmt_location?: number }>;
  try {
    stmts = (parseSync(sql).stmts ?? []) as unknown as Array<{ stmt: Node; stmt_location?: number }>;
  } catch (error) {
    if (hasSqlDetails(error) && error.sqlDetails) {
      const at = position.at(Buffer.byteLength(sql.slice(0, Math.max(0, error.sqlDetails.cursorPosition - 1)), 'utf8'));
      throw new LintSyntaxError(filename, at.line, at.column, error.sqlDetails.message);
    }
    // The parser refuses some inputs without a position (an empty text: "Query cannot be empty"): still
    // the input's fault, so a syntax error at its start rather than an internal failure.
    throw new LintSyntaxError(filename, 1, 1, error instanceof Error ? error.message : String(error));
  }
  const created = new Set<string>();
  /** "table.check": NOT VALID checks of the form (col IS NOT NULL), and "table.col" once validated. */
  const notNullChecks = new Map<string, string>();
  const provenNotNull = new Set<string>();
  const findings: LintFinding[] = [];
  let lockTimeoutSet = false;
  let warnedTimeout = false;
  for (const { stmt, stmt_location } of stmts) {
    const at = position.at(stmt_location ?? 0);
    const push = (r: Rule) => findings.push({ ...r, line: at.line, column: at.column });
    const [kind, node] = Object.entries(stmt)[0] as [string, Node];
    if (kind === 'VariableSetStmt' && node.name === 'lock_timeout') lockTimeoutSet = true;
    const target = relationOf(kind, node);
    const isNew = target !== undefined && created.has(target);
    if (target !== undefined && !isNew && !lockTimeoutSet && !warnedTimeout && takesTableLock(kind, node)) {
      warnedTimeout = true;
      push({
        rule: 'missing-lock-timeout',
        severity: 'warning',
        message: `no SET lock_timeout before this DDL: waiting for its lock would queue every query on ${target} behind it`,
        hazards: [],
      });
    }
    if (kind === 'CreateStmt' || kind === 'CreateTableAsStmt') {
      const relname = node.relation?.relname ?? node.into?.rel?.relname;
      if (relname) created.add(relname);
      continue;
    }
    if (isNew) continue;
    if (kind === 'AlterTableStmt') trackNotNullProofs(node, notNullChecks, provenNotNull);
    for (const r of rulesFor(kind, node)) {
      if (r.rule === 'set-not-null-scan' && provenNotNull.has(`${target}.${r.column}`)) continue;
      const { column: _column, ...finding } = r;
      push(finding);
    }
  }
  return findings;
}

function relationOf(kind: string, node: Node): string | undefined {
  if (kind === 'AlterTableStmt' || kind === 'IndexStmt' || kind === 'CreateStmt') return node.relation?.relname;
  if (kind === 'RenameStmt') return node.relation?.relname;
  if (kind === 'DropStmt' || kind === 'TruncateStmt' || kind === 'ClusterStmt' || kind === 'LockStmt') return '';
  if (kind === 'VacuumStmt' || kind === 'RefreshMatViewStmt') return '';
  return undefined;
}

function takesTableLock(kind: string, node: Node): boolean {
  if (kind === 'AlterTableStmt' || kind === 'RenameStmt' || kind === 'TruncateStmt') return true;
  if (kind === 'IndexStmt') return true;
  if (kind === 'DropStmt') return node.removeType === 'OBJECT_TABLE' || node.removeType === 'OBJECT_INDEX';
  return false;
}

function rulesFor(kind: string, node: Node): Rule[] {
  switch (kind) {
    case 'IndexStmt':
      // `ON ONLY parent` (relation.inh not set) builds nothing: the partitioned parent's index alone, INVALID
      // until the partitions' indexes (built CONCURRENTLY) are attached.
      return node.concurrent || node.relation?.inh !== true
        ? []
        : [
            {
              rule: 'create-index-not-concurrently',
              severity: 'error',
              message: `CREATE INDEX on existing table ${node.relation.relname} blocks writes (SHARE lock) for the whole build: use CREATE INDEX CONCURRENTLY outside a transaction (on a partitioned table, where every partition is locked: CREATE INDEX … ON ONLY the parent, CONCURRENTLY on each partition, then ALTER INDEX … ATTACH PARTITION)`,
              hazards: [HazardCode.SHARE_LOCK, HazardCode.INDEX_BUILD],
            },
          ];
    case 'DropStmt':
      if (node.removeType === 'OBJECT_INDEX' && !node.concurrent) {
        return [
          {
            rule: 'drop-index-not-concurrently',
            severity: 'warning',
            message: 'DROP INDEX takes ACCESS EXCLUSIVE on the table: use DROP INDEX CONCURRENTLY',
            hazards: [HazardCode.ACCESS_EXCLUSIVE_LOCK],
          },
        ];
      }
      if (node.removeType === 'OBJECT_TABLE') {
        return [{ rule: 'drop-table', severity: 'error', message: 'DROP TABLE deletes the table and its rows', hazards: [HazardCode.DELETES_DATA] }];
      }
      return [];
    case 'TruncateStmt':
      return [{ rule: 'truncate', severity: 'error', message: 'TRUNCATE deletes every row (under ACCESS EXCLUSIVE)', hazards: [HazardCode.DELETES_DATA, HazardCode.ACCESS_EXCLUSIVE_LOCK] }];
    case 'ReindexStmt':
      return (node.params ?? []).some((p: Node) => p.DefElem?.defname === 'concurrently')
        ? []
        : [{ rule: 'reindex-not-concurrently', severity: 'warning', message: 'REINDEX blocks writes: use REINDEX … CONCURRENTLY', hazards: [HazardCode.SHARE_LOCK] }];
    case 'VacuumStmt':
      return (node.options ?? []).some((o: Node) => o.DefElem?.defname === 'full')
        ? [{ rule: 'vacuum-full', severity: 'error', message: 'VACUUM FULL rewrites the table under ACCESS EXCLUSIVE: use pg_repack or let autovacuum work', hazards: [HazardCode.TABLE_REWRITE, HazardCode.ACCESS_EXCLUSIVE_LOCK] }]
        : [];
    case 'ClusterStmt':
      return [{ rule: 'cluster', severity: 'error', message: 'CLUSTER rewrites the table under ACCESS EXCLUSIVE', hazards: [HazardCode.TABLE_REWRITE, HazardCode.ACCESS_EXCLUSIVE_LOCK] }];
    case 'LockStmt':
      return [{ rule: 'explicit-lock', severity: 'warning', message: 'LOCK TABLE holds its lock to the end of the transaction: keep the transaction short', hazards: [] }];
    case 'RefreshMatViewStmt':
      return node.concurrent
        ? []
        : [{ rule: 'refresh-not-concurrently', severity: 'warning', message: 'REFRESH MATERIALIZED VIEW blocks reads of the view: use CONCURRENTLY (needs a unique index)', hazards: [HazardCode.ACCESS_EXCLUSIVE_LOCK] }];
    case 'RenameStmt':
      if (node.renameType === 'OBJECT_TABLE' || node.renameType === 'OBJECT_COLUMN') {
        return [
          {
            rule: 'rename',
            severity: 'warning',
            message: `renaming a ${node.renameType === 'OBJECT_TABLE' ? 'table' : 'column'} breaks application code still using the old name`,
            hazards: [],
          },
        ];
      }
      return [];
    case 'AlterTableStmt':
      return (node.cmds ?? []).flatMap((c: Node) => alterTableRules(node.relation?.relname ?? '?', c.AlterTableCmd ?? {}));
    default:
      return [];
  }
}

function alterTableRules(table: string, cmd: Node): Rule[] {
  switch (cmd.subtype) {
    case 'AT_AddConstraint':
      return constraintRules(table, cmd.def?.Constraint ?? {});
    case 'AT_SetNotNull':
      return [
        {
          rule: 'set-not-null-scan',
          severity: 'warning',
          column: cmd.name,
          message: `SET NOT NULL on ${table}.${cmd.name} scans the table under ACCESS EXCLUSIVE unless a validated CHECK (${cmd.name} IS NOT NULL) exists: add the check NOT VALID, validate it, then SET NOT NULL`,
          hazards: [HazardCode.LONG_SCAN, HazardCode.ACCESS_EXCLUSIVE_LOCK],
        },
      ];
    case 'AT_AlterColumnType':
      return [
        {
          rule: 'alter-column-type',
          severity: 'error',
          message: `changing the type of ${table}.${cmd.name} rewrites the table under ACCESS EXCLUSIVE (except varchar/numeric widenings)`,
          hazards: [HazardCode.TABLE_REWRITE, HazardCode.TYPE_CHANGE],
        },
      ];
    case 'AT_DropColumn':
      return [{ rule: 'drop-column', severity: 'error', message: `DROP COLUMN ${table}.${cmd.name} deletes its data`, hazards: [HazardCode.DELETES_DATA] }];
    case 'AT_AddColumn':
      return addColumnRules(table, cmd.def?.ColumnDef ?? {});
    default:
      return [];
  }
}

function constraintRules(table: string, c: Node): Rule[] {
  switch (c.contype) {
    case 'CONSTR_FOREIGN':
      return c.skip_validation
        ? []
        : [
            {
              rule: 'add-foreign-key-validates',
              severity: 'error',
              message: `foreign key on ${table} is validated while SHARE ROW EXCLUSIVE blocks writes on both tables: add it NOT VALID, then VALIDATE CONSTRAINT in its own transaction`,
              hazards: [HazardCode.LONG_SCAN],
            },
          ];
    case 'CONSTR_CHECK':
      return c.skip_validation
        ? []
        : [
            {
              rule: 'add-check-validates',
              severity: 'error',
              message: `check constraint on ${table} scans the table under ACCESS EXCLUSIVE: add it NOT VALID, then VALIDATE CONSTRAINT`,
              hazards: [HazardCode.LONG_SCAN, HazardCode.ACCESS_EXCLUSIVE_LOCK],
            },
          ];
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY':
    case 'CONSTR_EXCLUSION':
      return c.indexname
        ? []
        : [
            {
              rule: 'add-unique-builds-index',
              severity: 'error',
              message: `this constraint builds its index on ${table} under ACCESS EXCLUSIVE: build a unique index CONCURRENTLY, then ADD CONSTRAINT … USING INDEX`,
              hazards: [HazardCode.ACCESS_EXCLUSIVE_LOCK, HazardCode.INDEX_BUILD],
            },
          ];
    default:
      return [];
  }
}

function addColumnRules(table: string, col: Node): Rule[] {
  const name = `${table}.${col.colname}`;
  const constraints: Node[] = (col.constraints ?? []).map((c: Node) => c.Constraint ?? {});
  const out: Rule[] = [];
  const def = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
  if (constraints.some((c) => c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED')) {
    out.push({
      rule: 'add-column-rewrites',
      severity: 'error',
      message: `adding identity/generated column ${name} rewrites the table under ACCESS EXCLUSIVE`,
      hazards: [HazardCode.TABLE_REWRITE],
    });
  } else if (def && hasVolatileCall(def.raw_expr)) {
    out.push({
      rule: 'add-column-volatile-default',
      severity: 'error',
      message: `the volatile default of ${name} rewrites the table under ACCESS EXCLUSIVE: add the column without it, set the default, backfill in batches`,
      hazards: [HazardCode.TABLE_REWRITE],
    });
  }
  if (constraints.some((c) => c.contype === 'CONSTR_NOTNULL') && !def && !out.length) {
    out.push({
      rule: 'add-column-not-null-without-default',
      severity: 'error',
      message: `NOT NULL column ${name} without a default fails on a table with rows`,
      hazards: [],
    });
  }
  for (const c of constraints) out.push(...constraintRules(table, c));
  return out;
}

function hasVolatileCall(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasVolatileCall);
  if (!node || typeof node !== 'object') return false;
  const n = node as Node;
  if (n.FuncCall) {
    const parts: Node[] = n.FuncCall.funcname ?? [];
    const name = parts[parts.length - 1]?.String?.sval ?? '';
    if (!isKnownNonVolatile(name)) return true;
  }
  return Object.values(n).some(hasVolatileCall);
}
