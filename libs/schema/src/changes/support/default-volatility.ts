/**
 * Whether a column default (pg_get_expr text) may differ from row to row. PostgreSQL 11+ adds a column
 * with a non-volatile default without a rewrite (the value is computed once and stored as the "missing"
 * value); a volatile default (random(), gen_random_uuid(), nextval(), clock_timestamp() …) rewrites the
 * table. Without a database at hand the planner decides from the expression text, conservatively: any
 * function call not known to be immutable or stable counts as volatile (the backfill recipe is then used,
 * which is correct, only slower).
 */
const nonVolatileFunctions = new Set([
  // stable: evaluated once per statement, so once for the whole ADD COLUMN
  'now', 'transaction_timestamp', 'statement_timestamp', 'current_setting', 'to_char', 'to_date',
  'to_timestamp', 'timezone', 'date_trunc', 'current_database', 'current_schema', 'current_user',
  // immutable
  'lower', 'upper', 'length', 'concat', 'coalesce', 'nullif', 'abs', 'round', 'trim', 'btrim',
  'jsonb_build_object', 'json_build_object', 'jsonb_build_array', 'json_build_array', 'to_jsonb',
  'array_fill', 'make_interval', 'make_date', 'int4', 'int8', 'text', 'numeric', 'bool', 'float8',
]);

/** Whether a function (by bare, lower-case name) is known to be immutable or stable. */
export function isKnownNonVolatile(name: string): boolean {
  return nonVolatileFunctions.has(name.toLowerCase());
}

export function isVolatileDefault(expression: string): boolean {
  const withoutLiterals = expression.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
  // Casts (`::character varying(10)`, `::numeric(10,2)[]`) are not calls.
  const withoutCasts = withoutLiterals.replace(/::\s*[a-z_][a-z0-9_ ."]*(\([0-9, ]*\))?(\[\])*/gi, '');
  for (const match of withoutCasts.matchAll(/([a-z_][a-z0-9_$]*)\s*\(/gi)) {
    const name = match[1]!.toLowerCase();
    if (!nonVolatileFunctions.has(name)) return true;
  }
  return false;
}
