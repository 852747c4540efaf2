/**
 * `--allow` values (each may hold a comma-separated list, and the option may repeat) as the list of
 * hazard codes the caller allows; "all" allows every hazard. Codes are upper-cased, so `--allow
 * deletes_data` works too.
 */
export function parseAllowList(values: string[]): string[] {
  const codes = values
    .flatMap((value) => value.split(','))
    .map((code) => code.trim())
    .filter((code) => code.length > 0)
    .map((code) => (code.toLowerCase() === 'all' ? 'all' : code.toUpperCase()));
  return [...new Set(codes)];
}
