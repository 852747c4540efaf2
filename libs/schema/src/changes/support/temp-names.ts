import { createHash } from 'node:crypto';

/**
 * Deterministic names for the helper objects of a recipe (the CHECK of the NOT NULL recipe, the old
 * index during an online replacement): derived from what they stand for, so the same inputs give the same
 * plan, and short enough for PostgreSQL's 63-byte limit.
 */
export function tempName(prefix: string, ...parts: string[]): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 12);
  return `${prefix}_${hash}`;
}
