/**
 * The normalized catalog: what a database (or one schema of it) contains, as plain data.
 *
 * Every value is what PostgreSQL itself reports (format_type, pg_get_expr, pg_get_constraintdef,
 * pg_get_indexdef, pg_get_viewdef, …), read with a fixed search_path (and fixed DateStyle, IntervalStyle,
 * TimeZone = UTC, extra_float_digits) so that text is comparable:
 * - database scope: search_path = '' → every name is schema-qualified;
 * - schema scope (schema-per-tenant): search_path = <that schema> → names inside it are unqualified,
 *   and `schema` fields hold "" for objects of the scoped schema.
 *
 * Arrays are sorted by name (columns too: column order is not part of the state we converge to),
 * so that canonical JSON of a Catalog is deterministic and its sha256 is the fingerprint. A column's
 * `position` records the declared order (for CREATE TABLE) but is left out of canonical JSON.
 *
 * Excluded from both scopes: pg_*, information_schema, the `fleetshift` schema (the executor's own
 * bookkeeping) and every object an extension created (those belong to the extension). Optional fields
 * are absent (not undefined) when they do not apply.
 *
 * Partitions (and INHERITS children) report what PostgreSQL gives them from the parent — columns,
 * constraints, indexes, triggers — marked `inherited: true`; creating the parent's object creates them.
 */
export interface Catalog {
  /** Schema scope the catalog was read with; "" for database scope. Not part of the fingerprint. */
  scope: string;
  /** User schemas (database scope only; never pg_*, information_schema or fleetshift). */
  schemas: string[];
  extensions: Extension[];
  enums: EnumType[];
  sequences: Sequence[];
  tables: Table[];
  views: View[];
  functions: FunctionDef[];
}

/**
 * An installed extension (plpgsql, present in every database, is not listed). Database scope: every
 * extension, with its schema. Schema scope: only extensions installed in the scoped schema, schema "".
 */
export interface Extension {
  name: string;
  schema: string;
  /** pg_extension.extversion ("1.6"); absent in catalogs built by hand. */
  version?: string;
}

export interface EnumType {
  schema: string;
  name: string;
  /** In sort order (enumsortorder). */
  values: string[];
  comment?: string;
}

export interface Sequence {
  schema: string;
  name: string;
  dataType: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /**
   * "table.column" when the sequence is OWNED BY a column (serial); identity sequences are not listed.
   * The table is qualified as the scope prints it, the column quoted when it needs to be, so the text
   * can follow `OWNED BY` as is.
   */
  ownedBy?: string;
  comment?: string;
}

export interface Table {
  schema: string;
  name: string;
  /** Partitioned parent: the partition key as pg_get_partkeydef prints it. */
  partitionKey?: string;
  /** A partition: its parent (qualified as the scope prints it) and bound (pg_get_expr of relpartbound). */
  partitionOf?: { parent: string; bound: string };
  columns: Column[];
  constraints: Constraint[];
  indexes: Index[];
  triggers: Trigger[];
  policies: Policy[];
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  /**
   * Storage parameters set on the table (pg_class.reloptions: "fillfactor=70", "autovacuum_enabled=off"),
   * sorted by name; absent when none. The value is the text PostgreSQL stored, as it was given. TOAST
   * parameters (toast.*) belong to the TOAST table and are not read.
   */
  storageParameters?: string[];
  /**
   * The replica identity logical replication uses for the table's UPDATE/DELETE (pg_class.relreplident):
   * absent for DEFAULT (the primary key), "full", "nothing", or "index <name>" for USING INDEX.
   */
  replicaIdentity?: string;
  comment?: string;
}

export interface Column {
  name: string;
  /**
   * 1-based place of the column in its table, in attnum order (dropped columns skipped): the order it
   * was declared or added in. New tables are created with their columns in this order. Not part of the
   * fingerprint (canonicalJson leaves it out): a tenant whose columns were added in another order is at
   * the same state. Absent in catalogs built by hand; such columns keep their array order.
   */
  position?: number;
  /** format_type(atttypid, atttypmod), e.g. "character varying(100)", "public.mood". */
  type: string;
  notNull: boolean;
  /** pg_get_expr of the default; absent when there is none (identity and generated columns have none). */
  default?: string;
  identity?: 'always' | 'by default';
  /** Expression of a GENERATED ALWAYS AS (…) STORED column. */
  generated?: string;
  /** Non-default collation only, as regcollation prints it ("C" quoted: `"C"`). */
  collation?: string;
  /**
   * True when the column comes from a parent table (every column of a partition, however it was
   * attached): attinhcount > 0.
   */
  inherited?: boolean;
  comment?: string;
}

export type ConstraintKind = 'primary' | 'unique' | 'foreign' | 'check' | 'exclusion';

export interface Constraint {
  name: string;
  kind: ConstraintKind;
  /** pg_get_constraintdef, e.g. "FOREIGN KEY (user_id) REFERENCES public.users(id)". */
  definition: string;
  /** False for a NOT VALID constraint not yet validated. */
  validated: boolean;
  /** Columns the constraint is on, in key order. */
  columns: string[];
  /** Foreign keys: the referenced table, qualified as the scope prints it. */
  references?: string;
  /** True when cloned from or merged with a parent's constraint (partitions, INHERITS): coninhcount > 0. */
  inherited?: boolean;
  comment?: string;
}

/** What stands for the index name in Index.definition ("CREATE INDEX {{name}} ON public.t USING btree (a)"). */
export const INDEX_NAME_PLACEHOLDER = '{{name}}';

export interface Index {
  name: string;
  /**
   * pg_get_indexdef with the index name replaced by INDEX_NAME_PLACEHOLDER, so renamed indexes compare
   * equal. An index on a partitioned parent reads "… ON ONLY parent …".
   */
  definition: string;
  unique: boolean;
  /** The constraint this index backs (primary key, unique, exclusion), if any. */
  constraint?: string;
  /** False for an INVALID leftover of a failed concurrent build. */
  valid: boolean;
  /** True for a partition's index attached to an index of its partitioned parent. */
  inherited?: boolean;
  comment?: string;
}

export interface Trigger {
  name: string;
  /** pg_get_triggerdef. */
  definition: string;
  enabled: boolean;
  /** True for a partition's clone of its parent's trigger. */
  inherited?: boolean;
}

export interface Policy {
  name: string;
  /** SELECT, INSERT, UPDATE, DELETE or ALL. */
  command: string;
  permissive: boolean;
  /** Role names, sorted; "public" for PUBLIC. */
  roles: string[];
  using?: string;
  withCheck?: string;
}

export interface View {
  schema: string;
  name: string;
  materialized: boolean;
  /** pg_get_viewdef. */
  definition: string;
  /** Names of relations the view depends on (qualified as the scope prints them), sorted. */
  dependsOn: string[];
  /** Indexes of a materialized view (absent for plain views). */
  indexes?: Index[];
  comment?: string;
}

export interface FunctionDef {
  schema: string;
  name: string;
  /** pg_get_function_identity_arguments. */
  identityArgs: string;
  /** pg_get_functiondef (a full CREATE OR REPLACE FUNCTION statement). */
  definition: string;
  comment?: string;
}
