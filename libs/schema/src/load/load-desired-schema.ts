import type { SchemaSource } from '@fleetshift/contracts';
import type { Catalog } from '../catalog/model.js';
import { introspect } from '../introspect/introspect.js';
import type { ParsedSchema } from '../parse/parsed-schema.js';
import { parseSchemaSource } from '../parse/parse-schema-source.js';
import { applySchema } from './apply-schema.js';
import type { SandboxOptions } from './sandbox.js';
import { refuseOversizeSchema, refuseUnsafeStatements } from './sandbox-policy.js';
import { withScratchDatabase } from './scratch-database.js';

export interface LoadDesiredSchemaOptions {
  /** A connection URL to a server where scratch databases may be created (and dropped). */
  scratchServerUrl: string;
  /** Schema scope: the DDL's unqualified objects land in this schema and the catalog is read from it. */
  schema?: string;
  /** Tag for the scratch database's name (see withScratchDatabase). */
  scratchTag?: string;
  /**
   * Load the text in the sandbox (docs/security.md): a role of its own, statement_timeout, a bound on the
   * session and on the text's size, an allow-list of extensions, sql/plpgsql functions only. Any text a
   * caller does not fully trust must be loaded this way; without it the text runs as the server URL's user.
   */
  sandbox?: SandboxOptions;
  /** Aborting stops the load: the running statement is cancelled and the scratch database dropped. */
  signal?: AbortSignal;
}

/**
 * The desired schema normalized by PostgreSQL itself: parse and check it, run it in a scratch database,
 * introspect that database the way a tenant is introspected, drop the scratch database. Names, types and
 * default expressions then read exactly as they will in a tenant, so comparing the two is meaningful.
 * Throws SchemaInputError (with line:column) for anything wrong with the input.
 */
export async function loadDesiredSchema(source: SchemaSource, opts: LoadDesiredSchemaOptions): Promise<Catalog> {
  if (opts.sandbox) refuseOversizeSchema(source, opts.sandbox.maxInputBytes);
  return loadParsedSchema(await parseSchemaSource(source), opts);
}

/** loadDesiredSchema for a text already parsed (parseSchemaSource), for a caller that keeps the parse too. */
export async function loadParsedSchema(parsed: ParsedSchema, opts: LoadDesiredSchemaOptions): Promise<Catalog> {
  if (opts.sandbox) await refuseUnsafeStatements(parsed, opts.sandbox.allowedExtensions);
  return withScratchDatabase(opts.scratchServerUrl, async (client) => {
    await applySchema(client, parsed, { schema: opts.schema });
    return introspect(client, { schema: opts.schema });
  }, { tag: opts.scratchTag, sandbox: opts.sandbox, signal: opts.signal });
}
