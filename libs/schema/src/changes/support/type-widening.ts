/**
 * Type changes PostgreSQL applies without rewriting the table (binary-coercible, typmod not shrinking):
 * varchar(n) → varchar(m ≥ n) / varchar / text, varchar ↔ text, numeric(p,s) → numeric(q ≥ p, s) /
 * numeric, varbit(n) → varbit(m ≥ n), and the same for arrays of those. Anything else is assumed to
 * rewrite (TABLE_REWRITE).
 */
export function isSafeWidening(from: string, to: string): boolean {
  if (from.endsWith('[]') && to.endsWith('[]')) return isSafeWidening(from.slice(0, -2), to.slice(0, -2));
  const f = parse(from);
  const t = parse(to);
  if (!f || !t) return false;
  if (f.family === 'string' && t.family === 'string') {
    if (t.base === 'text') return true;
    if (f.base === 'text') return t.args === undefined;
    return t.args === undefined || (f.args !== undefined && t.args[0]! >= f.args[0]!);
  }
  if (f.family === 'numeric' && t.family === 'numeric') {
    if (t.args === undefined) return true;
    if (f.args === undefined) return false;
    const fs = f.args[1] ?? 0;
    const ts = t.args[1] ?? 0;
    return fs === ts && t.args[0]! >= f.args[0]!;
  }
  if (f.family === 'varbit' && t.family === 'varbit') {
    return t.args === undefined || (f.args !== undefined && t.args[0]! >= f.args[0]!);
  }
  return false;
}

interface ParsedType {
  family: 'string' | 'numeric' | 'varbit';
  base: string;
  args?: number[];
}

function parse(type: string): ParsedType | undefined {
  const m = /^(character varying|text|numeric|bit varying)(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(type.trim());
  if (!m) return undefined;
  const base = m[1]!;
  const args = m[2] === undefined ? undefined : [Number(m[2]), ...(m[3] === undefined ? [] : [Number(m[3])])];
  const family = base === 'numeric' ? 'numeric' : base === 'bit varying' ? 'varbit' : 'string';
  return args ? { family, base, args } : { family, base };
}
