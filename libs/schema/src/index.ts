export * from './catalog/model.js';
// Input and introspection: parsing (SQL, OmniQL), loading with PostgreSQL, reading pg_catalog, fingerprints.
export { SchemaInputError } from './parse/schema-input-error.js';
export type { ParsedSchema, SchemaStatement } from './parse/parsed-schema.js';
export { parseSchemaSql } from './parse/sql-parser.js';
export { parseSchemaSource, parseOmniql, schemaSourceFormat } from './parse/parse-schema-source.js';
export { translateOmniql, type TranslatedStatement } from './parse/omniql.js';
export { catalogStamp } from './introspect/catalog-stamp.js';
export { introspect, type IntrospectOptions } from './introspect/introspect.js';
export { SchemaNotFoundError } from './introspect/schema-not-found.js';
export { withScratchDatabase, SCRATCH_DATABASE_PREFIX, type ScratchDatabaseOptions } from './load/scratch-database.js';
export { applySchema, type ApplySchemaOptions } from './load/apply-schema.js';
export { loadDesiredSchema, loadParsedSchema, type LoadDesiredSchemaOptions } from './load/load-desired-schema.js';
export {
  DEFAULT_SANDBOX,
  DEFAULT_SANDBOX_GROUP,
  DEFAULT_ALLOWED_EXTENSIONS,
  ALLOWED_FUNCTION_LANGUAGES,
  type SandboxOptions,
} from './load/sandbox.js';
export { refuseOversizeSchema, refuseUnsafeStatements } from './load/sandbox-policy.js';
export { SandboxTimeoutError } from './load/sandbox-errors.js';
export { fingerprint, canonicalJson, catalogsEqual } from './catalog/fingerprint.js';
export { catalogDifferences } from './catalog/catalog-differences.js';
export { summarizeCatalog, type CatalogSummary } from './catalog/summary.js';
export { compareText } from './catalog/order.js';
// Diff → plan: change modules (one per kind of change), the planner, renderers, hazards, the linter.
export { buildPlan, refusedHazards, uniqueHazards, type BuildPlanOptions } from './plan/build-plan.js';
export { renderJson } from './plan/render-json.js';
export { planDefaults } from './plan/defaults.js';
export { verifyPlan, extensionStatements, type VerifyPlanOptions } from './plan/verify-plan.js';
export { withoutBuildLeftovers, type WithoutBuildLeftovers } from './plan/build-leftovers.js';
export { PlanDidNotConvergeError, type NonConvergenceStage } from './plan/plan-did-not-converge.js';
export { HazardCode, allHazardCodes, type HazardCodeName } from './changes/support/hazards.js';
export { changeKinds } from './changes/registry.js';
export type { ChangeKind, ChangeItem, StepDraft, ChangeContext, OrderConstraints } from './changes/change.js';
export { UnsupportedChangeError } from './changes/support/unsupported-change.js';
export { lintSql, LintSyntaxError } from './lint/lint-sql.js';
