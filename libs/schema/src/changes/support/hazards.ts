import type { Hazard } from '@fleetshift/contracts';

/**
 * The hazard codes a plan step can carry — the one list in Fleetshift. A plan that needs a hazard is
 * refused unless the caller allows its code (or "all").
 *
 * Brief metadata-only ACCESS EXCLUSIVE steps (ADD COLUMN without rewrite, SET NOT NULL after a validated
 * check, ADD CONSTRAINT … NOT VALID) run under a short lock_timeout and carry no hazard: they never hold
 * the lock while reading the table. ACCESS_EXCLUSIVE_LOCK / SHARE_LOCK are reserved for steps that hold
 * such a lock while scanning, rewriting or building.
 */
export const HazardCode = {
  /** The step removes data (a table, a column, a sequence's state). */
  DELETES_DATA: 'DELETES_DATA',
  /** The step rewrites every row of the table. */
  TABLE_REWRITE: 'TABLE_REWRITE',
  /** The step reads the whole table (under a lock that still allows writes unless noted). */
  LONG_SCAN: 'LONG_SCAN',
  /** The step holds ACCESS EXCLUSIVE (blocks reads and writes) for longer than a metadata change. */
  ACCESS_EXCLUSIVE_LOCK: 'ACCESS_EXCLUSIVE_LOCK',
  /** The step holds SHARE (blocks writes) for the duration of a build. */
  SHARE_LOCK: 'SHARE_LOCK',
  /** A column changes type: application code may read or write other values. */
  TYPE_CHANGE: 'TYPE_CHANGE',
  /** Existing rows are updated in batches (writes on the tenant; takes time). */
  BACKFILL: 'BACKFILL',
  /** The change has no concurrent form on this object (e.g. index on a partitioned table). */
  NOT_CONCURRENT: 'NOT_CONCURRENT',
  /** An index is built: CPU and I/O on the tenant's cluster, possibly long. */
  INDEX_BUILD: 'INDEX_BUILD',
  /** Row-level security or a policy changes who sees which rows. */
  AUTHZ_UPDATE: 'AUTHZ_UPDATE',
  /** An extension is installed or removed. */
  EXTENSION_CHANGE: 'EXTENSION_CHANGE',
  /** The change cannot be undone by a later plan (e.g. an enum value added: PostgreSQL cannot remove it). */
  IRREVERSIBLE: 'IRREVERSIBLE',
} as const;

export type HazardCodeName = (typeof HazardCode)[keyof typeof HazardCode];

export const allHazardCodes: readonly string[] = Object.values(HazardCode);

export function hazard(code: HazardCodeName, message: string): Hazard {
  return { code, message };
}
