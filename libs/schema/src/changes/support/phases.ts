/**
 * The order of a plan, as phases. Steps run by phase, then by the module's position in the registry,
 * then by object key. The order encodes the dependencies:
 * - enum values first (outside a transaction; they only extend existing types);
 * - drops of dependents (views, triggers, policies, constraints) before what they depend on;
 * - schemas, extensions, enums, sequences, functions before tables; tables before their columns' changes;
 * - drops of tables, then of the functions/sequences/types/extensions/schemas they used;
 * - views after tables; backfills and NOT NULL recipes (which scan, and end transactions) after the
 *   views, so everything from the first view drop to the view re-creation stays in one transaction;
 * - NOT NULL before primary keys (so USING INDEX never scans); indexes, then constraints and validations;
 * - comments last.
 */
export const Phase = {
  addEnumValue: 5,
  dropView: 10,
  dropTrigger: 20,
  dropPolicy: 21,
  dropConstraint: 30,
  createSchema: 50,
  createExtension: 55,
  createEnum: 60,
  recreateEnum: 61,
  createSequence: 65,
  dropFunctionEarly: 69,
  function: 70,
  createTable: 80,
  addColumn: 82,
  alterColumnType: 84,
  alterIdentity: 85,
  setDefault: 86,
  dropNotNull: 88,
  dropColumn: 92,
  dropTable: 94,
  trigger: 96,
  policy: 97,
  rowSecurity: 98,
  functionLate: 99,
  dropFunction: 100,
  dropSequence: 102,
  dropEnum: 104,
  dropExtension: 106,
  dropSchema: 108,
  createView: 110,
  backfill: 115,
  setNotNull: 116,
  addIndex: 120,
  renameIndex: 121,
  dropIndex: 125,
  addUniqueConstraint: 130,
  addCheckConstraint: 132,
  addForeignKey: 134,
  validateConstraint: 136,
  sequenceOwnership: 140,
  comment: 160,
} as const;
