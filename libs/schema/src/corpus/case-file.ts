import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaFormat, type SchemaSource } from '@fleetshift/contracts';

/**
 * One corpus case: a record, not code (pg-schema-diff's acceptance tests). A case file reads:
 *
 *   -- <one-line description>
 *   -- hazards: INDEX_BUILD, BACKFILL        (the plan's hazard codes, exactly; "none" for none)
 *   -- schema: tenant_a                       (optional: schema scope, schema-per-tenant)
 *   -- allow: DELETES_DATA                    (optional: a refusal case — plan with only these allowed;
 *                                              the rest of the hazards must be refused, nothing applied)
 *   -- changes: drop-view, alter-column-type, create-view
 *                                             (optional: the plan's steps' change modules, in order)
 *   ==== from sql|oql
 *   …the tenant's current schema…
 *   ==== data
 *   …rows inserted into the tenant before planning (optional)…
 *   ==== to sql|oql
 *   …the desired schema…
 */
export interface CorpusCase {
  name: string;
  description: string;
  hazards: string[];
  schema?: string;
  allow?: string[];
  changes?: string[];
  from: SchemaSource;
  to: SchemaSource;
  data: string;
}

export const casesDir = new URL('./cases/', import.meta.url).pathname;

export function readCases(dir = casesDir): CorpusCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.case'))
    .sort()
    .map((f) => parseCase(f.replace(/\.case$/, ''), readFileSync(join(dir, f), 'utf8')));
}

export function parseCase(name: string, text: string): CorpusCase {
  const sections = new Map<string, { format: string; lines: string[] }>();
  const header: string[] = [];
  let current: string[] = header;
  for (const line of text.split('\n')) {
    const m = /^==== (from|to|data)(?: (sql|oql))?\s*$/.exec(line);
    if (m) {
      const section = { format: m[2] ?? 'sql', lines: [] as string[] };
      sections.set(m[1]!, section);
      current = section.lines;
    } else current.push(line);
  }
  const meta = new Map<string, string>();
  let description = '';
  for (const line of header) {
    const m = /^--\s*(hazards|schema|allow|changes):\s*(.*)$/.exec(line);
    if (m) meta.set(m[1]!, m[2]!.trim());
    else if (line.startsWith('--') && !description) description = line.replace(/^--\s*/, '');
  }
  const list = (v: string | undefined) =>
    v === undefined || v === 'none' || v === '' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean).sort();
  const source = (key: 'from' | 'to'): SchemaSource => {
    const s = sections.get(key);
    if (!s) throw new Error(`corpus case ${name}: no "==== ${key}" section`);
    const oql = s.format === 'oql';
    return { format: oql ? SchemaFormat.SCHEMA_FORMAT_OMNIQL : SchemaFormat.SCHEMA_FORMAT_SQL, text: s.lines.join('\n'), filename: `${name}.${key}.${s.format}` };
  };
  if (!meta.has('hazards')) throw new Error(`corpus case ${name}: missing "-- hazards:" line`);
  return {
    name,
    description,
    hazards: list(meta.get('hazards')),
    ...(meta.get('schema') ? { schema: meta.get('schema') } : {}),
    ...(meta.has('allow') ? { allow: list(meta.get('allow')) } : {}),
    ...(meta.has('changes') ? { changes: meta.get('changes')!.split(',').map((s) => s.trim()) } : {}),
    from: source('from'),
    to: source('to'),
    data: sections.get('data')?.lines.join('\n') ?? '',
  };
}
