export * from './catalog/model.js';
export { quoteIdent, quoteQualified, quoteLiteral } from './sql/quote.js';
// Input and introspection: parsing (SQL, OmniQL), loading with PostgreSQL, reading pg_catalog, fingerprints.
export { SchemaInputError } from './parse/schema-input-error.js';
export type { ParsedSchema, SchemaStatement } from './parse/parsed-schema.js';
export { parseSchemaSql } from './parse/sql-parser.js';
export { parseSchemaSource, parseOmniql } from './parse/parse-schema-source.js';
export { translateOmniql, type TranslatedStatement } from './parse/omniql.js';
export { introspect, type IntrospectOptions } from './introspect/introspect.js';
export { withScratchDatabase, SCRATCH_DATABASE_PREFIX, type ScratchDatabaseOptions } from './load/scratch-database.js';
export { applySchema, type ApplySchemaOptions } from './load/apply-schema.js';
export { loadDesiredSchema, type LoadDesiredSchemaOptions } from './load/load-desired-schema.js';
export { fingerprint, canonicalJson, catalogsEqual } from './catalog/fingerprint.js';
export { summarizeCatalog, type CatalogSummary } from './catalog/summary.js';
export { compareText } from './catalog/order.js';
