/**
 * pg_get_indexdef, pg_get_triggerdef and pg_get_functiondef qualify the table (or function) they
 * define whatever the search_path. In schema scope the scope's own qualification is removed from that
 * one place, so the text matches what the rest of the scope prints (and two tenants' schemas compare
 * equal). `prefix` is the scope name as PostgreSQL quotes it, plus the dot ("tenant_a.").
 */

/** "CREATE INDEX {{name}} ON [ONLY] tenant_a.t USING …" → "… ON [ONLY] t USING …". */
export function unqualifyIndexDefinition(definition: string, prefix: string | undefined): string {
  if (!prefix) return definition;
  return replaceFirst(definition, [` ON ONLY ${prefix}`, ` ON ${prefix}`], (m) => m.slice(0, -prefix.length));
}

/** "CREATE TRIGGER x BEFORE INSERT ON tenant_a.t FOR …" → "… ON t FOR …". */
export function unqualifyTriggerDefinition(definition: string, prefix: string | undefined): string {
  if (!prefix) return definition;
  return replaceFirst(definition, [` ON ${prefix}`], (m) => m.slice(0, -prefix.length));
}

/** "CREATE OR REPLACE FUNCTION tenant_a.f(…" → "CREATE OR REPLACE FUNCTION f(…". */
export function unqualifyFunctionDefinition(definition: string, prefix: string | undefined): string {
  if (!prefix) return definition;
  for (const head of ['CREATE OR REPLACE FUNCTION ', 'CREATE OR REPLACE PROCEDURE ']) {
    if (definition.startsWith(`${head}${prefix}`)) return head + definition.slice(head.length + prefix.length);
  }
  return definition;
}

/** Replaces the earliest occurrence of any of `needles`. */
function replaceFirst(text: string, needles: string[], replace: (match: string) => string): string {
  let best: { at: number; needle: string } | undefined;
  for (const needle of needles) {
    const at = text.indexOf(needle);
    if (at >= 0 && (!best || at < best.at)) best = { at, needle };
  }
  if (!best) return text;
  return text.slice(0, best.at) + replace(best.needle) + text.slice(best.at + best.needle.length);
}
