/**
 * The schema a statement explicitly names for the object it creates or alters (`CREATE TABLE
 * billing.invoices` → "billing"); undefined when the name is unqualified. Schema-scope loading uses it to
 * refuse DDL that would land outside the scope, where the scope's introspection would never see it.
 */

type Node = Record<string, unknown>;

/** Where each statement keeps the name of its object: a RangeVar, or a list of name strings. */
const objectName: Record<string, (body: Node) => unknown> = {
  CreateStmt: (b) => b.relation,
  IndexStmt: (b) => b.relation,
  CreateSeqStmt: (b) => b.sequence,
  AlterSeqStmt: (b) => b.sequence,
  ViewStmt: (b) => b.view,
  CreateTableAsStmt: (b) => (b.into as Node | undefined)?.rel,
  CreateTrigStmt: (b) => b.relation,
  CreatePolicyStmt: (b) => b.table,
  AlterTableStmt: (b) => b.relation,
  CreateEnumStmt: (b) => b.typeName,
  AlterEnumStmt: (b) => b.typeName,
  CreateFunctionStmt: (b) => b.funcname,
};

export function targetSchemaOf(stmt: Node): string | undefined {
  const [nodeType, body] = Object.entries(stmt)[0] as [string, Node];
  const name = objectName[nodeType]?.(body);
  if (Array.isArray(name)) return qualifierOfNameList(name as Node[]);
  const schemaname = (name as Node | undefined)?.schemaname;
  return typeof schemaname === 'string' ? schemaname : undefined;
}

/** [schema, name] → schema; [name] → undefined. */
function qualifierOfNameList(names: Node[]): string | undefined {
  if (names.length < 2) return undefined;
  const first = (names[0]!.String as Node | undefined)?.sval;
  return typeof first === 'string' ? first : undefined;
}
