import type { Sequence } from '../../catalog/model.js';

/** The option clauses of CREATE/ALTER SEQUENCE that differ from `from` (all of them when absent). */
export function sequenceOptions(to: Sequence, from?: Sequence): string[] {
  const out: string[] = [];
  if (!from || from.dataType !== to.dataType) out.push(`AS ${to.dataType}`);
  if (!from || from.increment !== to.increment) out.push(`INCREMENT BY ${to.increment}`);
  if (!from || from.min !== to.min) out.push(`MINVALUE ${to.min}`);
  if (!from || from.max !== to.max) out.push(`MAXVALUE ${to.max}`);
  if (!from || from.start !== to.start) out.push(`START WITH ${to.start}`);
  if (!from || from.cache !== to.cache) out.push(`CACHE ${to.cache}`);
  if (!from || from.cycle !== to.cycle) out.push(to.cycle ? 'CYCLE' : 'NO CYCLE');
  return out;
}
