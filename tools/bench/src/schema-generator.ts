import { seededRandom, type Random } from './random.js';
import type { GeneratedColumn, GeneratedSchema, GeneratedTable } from './schema-model.js';

const nouns = ['account', 'order', 'invoice', 'product', 'customer', 'shipment', 'payment', 'ticket', 'project', 'task', 'note', 'event', 'device', 'session', 'report'];

/** Payload column shapes of a line-of-business table: [name stem, type, notNull, default]. */
const payloadColumns: ReadonlyArray<readonly [string, string, boolean, string | undefined]> = [
  ['title', 'varchar(200)', true, undefined],
  ['description', 'text', false, undefined],
  ['email', 'varchar(320)', false, undefined],
  ['quantity', 'integer', true, '0'],
  ['amount', 'numeric(12,2)', false, undefined],
  ['is_active', 'boolean', true, 'true'],
  ['external_ref', 'uuid', false, undefined],
  ['metadata', 'jsonb', true, "'{}'::jsonb"],
  ['due_on', 'date', false, undefined],
  ['score', 'double precision', false, undefined],
  ['code', 'varchar(40)', false, undefined],
  ['priority', 'smallint', true, '3'],
];

/**
 * A realistic schema of `tableCount` tables, deterministic for a seed: each table has a bigint identity
 * key, timestamps, 4–9 payload columns, a status enum column, 1–2 foreign keys to earlier tables (each
 * with its index), some UNIQUE and CHECK constraints and composite or partial indexes; one view per
 * 25 tables. Relations form a DAG, like an application's model.
 */
export function generateSchema(tableCount: number, seed = 20261126): GeneratedSchema {
  const random = seededRandom(seed);
  const tables: GeneratedTable[] = [];
  for (let i = 0; i < tableCount; i++) tables.push(generateTable(i, tables, random));
  const views = tables
    .filter((_, i) => i % 25 === 24)
    .map((table) => ({ name: `${table.name}_summary`, table: table.name, columns: ['id', 'status', 'created_at'] }));
  return {
    enums: [
      { name: 'record_status', values: ['draft', 'active', 'archived'] },
      { name: 'visibility', values: ['private', 'team', 'public'] },
    ],
    tables,
    views,
  };
}

/** The table name of position i: "order_0007". */
export function tableName(i: number): string {
  return `${nouns[i % nouns.length]}_${String(i).padStart(4, '0')}`;
}

function generateTable(i: number, earlier: GeneratedTable[], random: Random): GeneratedTable {
  const name = tableName(i);
  const table: GeneratedTable = { name, columns: baseColumns(random), checks: [], foreignKeys: [], indexes: [] };
  addForeignKeys(table, earlier, random);
  addConstraintsAndIndexes(table, random);
  return table;
}

function baseColumns(random: Random): GeneratedColumn[] {
  const columns: GeneratedColumn[] = [
    { name: 'id', type: 'bigint', notNull: true, primaryKey: true },
    { name: 'created_at', type: 'timestamp with time zone', notNull: true, default: 'now()' },
    { name: 'updated_at', type: 'timestamp with time zone', notNull: false },
    { name: 'status', type: 'public.record_status', notNull: true, default: "'draft'::public.record_status" },
  ];
  const count = random.int(4, 9);
  const start = random.int(0, payloadColumns.length - 1);
  for (let k = 0; k < count; k++) {
    const [stem, type, notNull, value] = payloadColumns[(start + k) % payloadColumns.length];
    columns.push({ name: stem, type, notNull, ...(value === undefined ? {} : { default: value }) });
  }
  return columns;
}

function addForeignKeys(table: GeneratedTable, earlier: GeneratedTable[], random: Random): void {
  if (earlier.length === 0) return;
  const count = random.int(1, Math.min(2, earlier.length));
  const targets = new Set<string>();
  for (let k = 0; k < count; k++) targets.add(random.pick(earlier).name);
  for (const target of targets) {
    const column = `${target}_id`;
    const nullable = random.chance(0.4);
    table.columns.push({ name: column, type: 'bigint', notNull: !nullable });
    table.foreignKeys.push({ name: `${table.name}_${column}_fkey`, column, references: target, onDelete: nullable ? 'SET NULL' : random.pick(['CASCADE', 'RESTRICT'] as const) });
    table.indexes.push({ name: `${table.name}_${column}_idx`, columns: [column] });
  }
}

function addConstraintsAndIndexes(table: GeneratedTable, random: Random): void {
  const has = (column: string) => table.columns.some((c) => c.name === column);
  if (has('email') && random.chance(0.5)) table.unique = { name: `${table.name}_email_key`, columns: ['email'] };
  if (has('amount')) table.checks.push({ name: `${table.name}_amount_check`, expression: 'amount >= 0' });
  if (has('quantity') && random.chance(0.5)) table.checks.push({ name: `${table.name}_quantity_check`, expression: 'quantity >= 0' });
  if (random.chance(0.5)) table.indexes.push({ name: `${table.name}_status_created_idx`, columns: ['status', 'created_at'] });
  if (has('due_on') && random.chance(0.4)) {
    table.indexes.push({ name: `${table.name}_due_open_idx`, columns: ['due_on'], where: "status <> 'archived'::public.record_status" });
  }
}
