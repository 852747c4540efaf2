/** Where `fleetshift plan` loads schema files when FLEETSHIFT_SCRATCH_PG_URL and PG_URL are unset. */
export const defaultScratchServerUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * The PostgreSQL server on which the CLI may create (and drop) scratch databases to normalize schema
 * files: FLEETSHIFT_SCRATCH_PG_URL, else PG_URL, else the local default.
 */
export function scratchServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETSHIFT_SCRATCH_PG_URL || env.PG_URL || defaultScratchServerUrl;
}
