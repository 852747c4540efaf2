/**
 * The benchmark's own description of a generated schema: just enough structure to render DDL and to
 * apply a change set. (The planner's model is libs/schema's Catalog; this one only feeds the generator.)
 */
export interface GeneratedSchema {
  enums: GeneratedEnum[];
  tables: GeneratedTable[];
  views: GeneratedView[];
}

export interface GeneratedEnum {
  name: string;
  values: string[];
}

export interface GeneratedTable {
  name: string;
  columns: GeneratedColumn[];
  /** Columns of a UNIQUE constraint, if any. */
  unique?: { name: string; columns: string[] };
  checks: Array<{ name: string; expression: string }>;
  foreignKeys: Array<{ name: string; column: string; references: string; onDelete: 'CASCADE' | 'RESTRICT' | 'SET NULL' }>;
  indexes: Array<{ name: string; columns: string[]; where?: string }>;
}

export interface GeneratedColumn {
  name: string;
  /** SQL type as written in DDL ("varchar(120)", "numeric(12,2)", "public.order_status"). */
  type: string;
  notNull: boolean;
  default?: string;
  /** The primary key column (bigint identity). */
  primaryKey?: boolean;
}

export interface GeneratedView {
  name: string;
  /** The table the view reads, and the columns it selects. */
  table: string;
  columns: string[];
}
