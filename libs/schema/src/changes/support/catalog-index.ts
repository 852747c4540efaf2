import type { Catalog, Column, EnumType, FunctionDef, Sequence, Table, View } from '../../catalog/model.js';
import { compareText } from '../../catalog/order.js';
import { quoteQualified } from '@fleetshift/sql-quote';

/** Key of a schema object: "schema.name" ("" schema in schema scope). */
export function objectKey(o: { schema: string; name: string }): string {
  return `${o.schema}.${o.name}`;
}

/** Display name in descriptions and hazard messages. */
export function displayName(o: { schema: string; name: string }): string {
  return o.schema ? `${o.schema}.${o.name}` : o.name;
}

export function functionKey(f: FunctionDef): string {
  return `${f.schema}.${f.name}(${f.identityArgs})`;
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) map.set(key(item), item);
  return new Map([...map.entries()].sort(([a], [b]) => compareText(a, b)));
}


/**
 * Both catalogs of a plan with the lookups change modules share. Maps iterate in key order, so modules
 * that walk them produce deterministic output.
 */
export class CatalogIndex {
  readonly schemaRelative: boolean;
  readonly fromTables: Map<string, Table>;
  readonly toTables: Map<string, Table>;
  readonly fromViews: Map<string, View>;
  readonly toViews: Map<string, View>;
  readonly fromEnums: Map<string, EnumType>;
  readonly toEnums: Map<string, EnumType>;
  readonly fromSequences: Map<string, Sequence>;
  readonly toSequences: Map<string, Sequence>;
  readonly fromFunctions: Map<string, FunctionDef>;
  readonly toFunctions: Map<string, FunctionDef>;
  /** Enums present in both whose labels are removed or reordered: rebuilt by recreate-enum. */
  readonly recreatedEnums: Set<string>;

  constructor(
    readonly from: Catalog,
    readonly to: Catalog,
  ) {
    if (from.scope !== to.scope) {
      throw new Error(`cannot plan between catalogs of different scopes: "${from.scope}" and "${to.scope}"`);
    }
    this.schemaRelative = to.scope !== '';
    this.fromTables = byKey(from.tables, objectKey);
    this.toTables = byKey(to.tables, objectKey);
    this.fromViews = byKey(from.views, objectKey);
    this.toViews = byKey(to.views, objectKey);
    this.fromEnums = byKey(from.enums, objectKey);
    this.toEnums = byKey(to.enums, objectKey);
    this.fromSequences = byKey(from.sequences, objectKey);
    this.toSequences = byKey(to.sequences, objectKey);
    this.fromFunctions = byKey(from.functions, functionKey);
    this.toFunctions = byKey(to.functions, functionKey);
    this.recreatedEnums = new Set(
      [...this.toEnums.entries()]
        .filter(([k, e]) => {
          const old = this.fromEnums.get(k);
          if (!old) return false;
          const kept = e.values.filter((v) => old.values.includes(v));
          return kept.length !== old.values.length || kept.some((v, i) => v !== old.values[i]);
        })
        .map(([k]) => k),
    );
  }

  /** Whether a column type (format_type text, maybe an array) is an enum rebuilt by this plan. */
  isRecreatedEnumType(type: string): boolean {
    const base = type.replace(/(\[\])+$/, '');
    for (const key of this.recreatedEnums) {
      const e = this.toEnums.get(key)!;
      if (base === displayName(e) || base === quoteQualified(e.schema, e.name) || base === `${e.schema ? `${e.schema}.` : ''}${quoteIdentIfNeeded(e.name)}`) return true;
    }
    return false;
  }

  /** Tables present in both catalogs, as [from, to]. */
  keptTables(): Array<[Table, Table]> {
    const out: Array<[Table, Table]> = [];
    for (const [key, to] of this.toTables) {
      const from = this.fromTables.get(key);
      if (from) out.push([from, to]);
    }
    return out;
  }

  /**
   * The own (not inherited) columns present in both versions of a kept table, as the target table and
   * the column before and after — kept tables in key order, columns in the target's order. Column change
   * kinds walk these and keep the ones whose difference they handle.
   */
  keptColumns(): Array<{ table: Table; before: Column; after: Column }> {
    const out: Array<{ table: Table; before: Column; after: Column }> = [];
    for (const [from, to] of this.keptTables()) {
      const before = columnMap(from);
      for (const after of to.columns) {
        const old = before.get(after.name);
        if (old && !after.inherited) out.push({ table: to, before: old, after });
      }
    }
    return out;
  }

  newTables(): Table[] {
    return [...this.toTables.entries()].filter(([k]) => !this.fromTables.has(k)).map(([, t]) => t);
  }

  droppedTables(): Table[] {
    return [...this.fromTables.entries()].filter(([k]) => !this.toTables.has(k)).map(([, t]) => t);
  }

  isNewTable(key: string): boolean {
    return this.toTables.has(key) && !this.fromTables.has(key);
  }

  isDroppedTable(key: string): boolean {
    return this.fromTables.has(key) && !this.toTables.has(key);
  }

  /** Columns of a kept table whose type changes or which are dropped: views over them must be rebuilt. */
  tableColumnsReshaped(key: string): boolean {
    const from = this.fromTables.get(key);
    const to = this.toTables.get(key);
    if (!from || !to) return from !== undefined;
    const toCols = new Map(to.columns.map((c) => [c.name, c]));
    return from.columns.some((c) => {
      const t = toCols.get(c.name);
      return !t || t.type !== c.type || t.collation !== c.collation || this.isRecreatedEnumType(c.type) || t.generated !== c.generated;
    });
  }

  /** The table a relation name refers to, as the scope prints it ("public.users" / "users"; quotes ignored). */
  tableByRelationName(name: string): string | undefined {
    if (!this.relationNames) {
      this.relationNames = new Map();
      for (const [key, t] of [...this.fromTables, ...this.toTables]) this.relationNames.set(displayName(t), key);
    }
    return this.relationNames.get(name.replaceAll('"', ''));
  }
  private relationNames?: Map<string, string>;

  /** The quoted, qualified (or bare, in schema scope) name of a relation. */
  ref(o: { schema: string; name: string }): string {
    return quoteQualified(o.schema, o.name);
  }
}

function quoteIdentIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** Column lookup by name. */
export function columnMap(table: Table): Map<string, Column> {
  return new Map(table.columns.map((c) => [c.name, c]));
}
