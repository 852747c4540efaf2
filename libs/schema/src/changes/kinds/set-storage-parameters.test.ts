import { LockLevel } from '@fleetshift/contracts';
import { describe, expect, it } from 'vitest';
import type { Catalog, Table } from '../../catalog/model.js';
import { CatalogIndex } from '../support/catalog-index.js';
import { setStorageParameters } from './set-storage-parameters.js';

// Hand-built catalogs (what introspection reports): the kind is a pure function of the two.
function catalog(tables: Table[]): Catalog {
  return { scope: '', schemas: ['public'], extensions: [], enums: [], sequences: [], tables, views: [], functions: [] };
}

function table(storageParameters?: string[]): Table {
  return {
    schema: 'public', name: 'events', columns: [{ name: 'id', type: 'bigint', notNull: true }], constraints: [], indexes: [],
    triggers: [], policies: [], rowSecurity: false, forceRowSecurity: false, ...(storageParameters ? { storageParameters } : {}),
  };
}

const steps = (from: Table[], to: Table[]) => setStorageParameters.plan(new CatalogIndex(catalog(from), catalog(to))).flatMap((i) => i.steps);

describe('set-storage-parameters', () => {
  it('sets what is new or changed and resets what is gone, in one catalog-only statement under SHARE UPDATE EXCLUSIVE', () => {
    const [step, ...rest] = steps([table(['autovacuum_enabled=false', 'fillfactor=90'])], [table(['autovacuum_vacuum_scale_factor=0.05', 'fillfactor=70'])]);
    expect(rest).toEqual([]);
    expect(step).toMatchObject({
      sql: `ALTER TABLE "public"."events" SET ("autovacuum_vacuum_scale_factor" = '0.05', "fillfactor" = '70'), RESET ("autovacuum_enabled")`,
      description: 'Set storage parameters of public.events: autovacuum_vacuum_scale_factor=0.05, fillfactor=70, autovacuum_enabled reset',
      transactional: true,
      lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
    });
    expect(step!.hazards ?? []).toEqual([]);
    expect(step!.rewritesTable ?? false).toBe(false);
    expect(step!.scansTable ?? false).toBe(false);
  });

  it('gives a new table its parameters, and plans nothing when they are equal or absent on both sides', () => {
    expect(steps([], [table(['fillfactor=50'])]).map((s) => s.sql)).toEqual([`ALTER TABLE "public"."events" SET ("fillfactor" = '50')`]);
    expect(steps([table(['fillfactor=50'])], [table(['fillfactor=50'])])).toEqual([]);
    expect(steps([table()], [table()])).toEqual([]);
  });

  it('declares ACCESS EXCLUSIVE for user_catalog_table, the one table parameter PostgreSQL changes under it', () => {
    expect(steps([table()], [table(['user_catalog_table=true'])])[0]!.lock).toBe(LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE);
    expect(steps([table(['user_catalog_table=true'])], [table()])[0]!.lock).toBe(LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE);
  });
});
