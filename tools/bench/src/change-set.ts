import { seededRandom, type Random } from './random.js';
import type { GeneratedSchema, GeneratedTable } from './schema-model.js';
import { tableName } from './schema-generator.js';

/** One kind of change of the benchmark's change set, applied to a table in place. */
interface ChangeKind {
  name: string;
  /** Can this change apply to that table? */
  applies(table: GeneratedTable): boolean;
  apply(table: GeneratedTable, schema: GeneratedSchema): void;
}

const has = (table: GeneratedTable, column: string) => table.columns.some((c) => c.name === column);
const column = (table: GeneratedTable, name: string) => table.columns.find((c) => c.name === name)!;

/** The changes a release of an application typically makes, each one of the recipe table's kinds. */
const changeKinds: ChangeKind[] = [
  { name: 'add nullable column', applies: () => true, apply: (t) => t.columns.push({ name: 'notes', type: 'text', notNull: false }) },
  {
    name: 'add column with constant default',
    applies: () => true,
    apply: (t) => t.columns.push({ name: 'revision', type: 'integer', notNull: true, default: '1' }),
  },
  { name: 'add index', applies: () => true, apply: (t) => t.indexes.push({ name: `${t.name}_updated_at_idx`, columns: ['updated_at'] }) },
  {
    name: 'add foreign key',
    applies: (t) => t.name !== tableName(0),
    apply: (t) => {
      t.columns.push({ name: 'owner_id', type: 'bigint', notNull: false });
      t.foreignKeys.push({ name: `${t.name}_owner_id_fkey`, column: 'owner_id', references: tableName(0), onDelete: 'SET NULL' });
      t.indexes.push({ name: `${t.name}_owner_id_idx`, columns: ['owner_id'] });
    },
  },
  { name: 'set not null', applies: () => true, apply: (t) => (column(t, 'updated_at').notNull = true) },
  { name: 'widen varchar', applies: (t) => has(t, 'title'), apply: (t) => (column(t, 'title').type = 'varchar(400)') },
  {
    name: 'add check constraint',
    applies: () => true,
    apply: (t) => t.checks.push({ name: `${t.name}_updated_after_created`, expression: 'updated_at IS NULL OR updated_at >= created_at' }),
  },
  {
    name: 'drop index',
    applies: (t) => t.indexes.some((i) => i.name.endsWith('_status_created_idx')),
    apply: (t) => (t.indexes = t.indexes.filter((i) => !i.name.endsWith('_status_created_idx'))),
  },
  { name: 'add unique constraint', applies: (t) => has(t, 'code') && !t.unique, apply: (t) => (t.unique = { name: `${t.name}_code_key`, columns: ['code'] }) },
  { name: 'change default', applies: (t) => has(t, 'priority'), apply: (t) => (column(t, 'priority').default = '2') },
];

export interface ChangeSetSummary {
  /** Number of tables each kind of change touched, by kind. */
  byKind: Record<string, number>;
  newTables: number;
}

/**
 * The desired schema of the benchmark: `from` with a realistic release's changes — each kind of
 * change on 2% of the tables (at least one), one new table per 100, one enum value added, the views
 * widened. Deterministic for a seed; `from` is not modified.
 */
export function applyChangeSet(from: GeneratedSchema, seed = 7): { schema: GeneratedSchema; summary: ChangeSetSummary } {
  const random = seededRandom(seed);
  const schema = structuredClone(from);
  const perKind = Math.max(1, Math.round(schema.tables.length * 0.02));
  const byKind: Record<string, number> = {};
  for (const kind of changeKinds) byKind[kind.name] = applyToTables(kind, schema, perKind, random);
  const newTables = addNewTables(schema, Math.max(1, Math.ceil(from.tables.length / 100)));
  schema.enums[0].values.push('deleted');
  for (const view of schema.views) view.columns.push('updated_at');
  return { schema, summary: { byKind, newTables } };
}

function applyToTables(kind: ChangeKind, schema: GeneratedSchema, count: number, random: Random): number {
  const candidates = schema.tables.filter((t) => kind.applies(t));
  let applied = 0;
  while (applied < count && candidates.length > 0) {
    const [table] = candidates.splice(random.int(0, candidates.length - 1), 1);
    kind.apply(table, schema);
    applied++;
  }
  return applied;
}

function addNewTables(schema: GeneratedSchema, count: number): number {
  const first = schema.tables[0].name;
  for (let k = 0; k < count; k++) {
    const name = `audit_entry_${String(k).padStart(4, '0')}`;
    schema.tables.push({
      name,
      columns: [
        { name: 'id', type: 'bigint', notNull: true, primaryKey: true },
        { name: 'created_at', type: 'timestamp with time zone', notNull: true, default: 'now()' },
        { name: `${first}_id`, type: 'bigint', notNull: true },
        { name: 'action', type: 'varchar(60)', notNull: true },
        { name: 'payload', type: 'jsonb', notNull: false },
      ],
      checks: [],
      foreignKeys: [{ name: `${name}_${first}_id_fkey`, column: `${first}_id`, references: first, onDelete: 'CASCADE' }],
      indexes: [{ name: `${name}_${first}_id_created_idx`, columns: [`${first}_id`, 'created_at'] }],
    });
  }
  return count;
}
