import type { ChangeKind } from './change.js';
import { addCheckConstraint } from './kinds/add-check-constraint.js';
import { addColumn } from './kinds/add-column.js';
import { addEnum } from './kinds/add-enum.js';
import { addEnumValue } from './kinds/add-enum-value.js';
import { addExclusionConstraint } from './kinds/add-exclusion-constraint.js';
import { addForeignKey } from './kinds/add-foreign-key.js';
import { addIndex } from './kinds/add-index.js';
import { addSequence } from './kinds/add-sequence.js';
import { addTable } from './kinds/add-table.js';
import { addUniqueConstraint } from './kinds/add-unique-constraint.js';
import { alterColumnType } from './kinds/alter-column-type.js';
import { alterIdentity } from './kinds/alter-identity.js';
import { comments } from './kinds/comment.js';
import { createExtension } from './kinds/create-extension.js';
import { createFunction } from './kinds/create-function.js';
import { createPolicy } from './kinds/create-policy.js';
import { createSchema } from './kinds/create-schema.js';
import { createTrigger } from './kinds/create-trigger.js';
import { createView } from './kinds/create-view.js';
import { dropColumn } from './kinds/drop-column.js';
import { dropConstraint } from './kinds/drop-constraint.js';
import { dropEnum } from './kinds/drop-enum.js';
import { dropExtension } from './kinds/drop-extension.js';
import { dropFunction } from './kinds/drop-function.js';
import { dropGeneratedExpression } from './kinds/drop-generated-expression.js';
import { dropIndex } from './kinds/drop-index.js';
import { dropNotNull } from './kinds/drop-not-null.js';
import { dropPolicy } from './kinds/drop-policy.js';
import { dropSchema } from './kinds/drop-schema.js';
import { dropSequence } from './kinds/drop-sequence.js';
import { dropTable } from './kinds/drop-table.js';
import { dropTrigger } from './kinds/drop-trigger.js';
import { dropView } from './kinds/drop-view.js';
import { recreateEnum } from './kinds/recreate-enum.js';
import { renameIndex } from './kinds/rename-index.js';
import { rowSecurity } from './kinds/row-security.js';
import { sequenceOwnership } from './kinds/sequence-ownership.js';
import { setDefault } from './kinds/set-default.js';
import { setNotNull } from './kinds/set-not-null.js';
import { setReplicaIdentity } from './kinds/set-replica-identity.js';
import { setStorageParameters } from './kinds/set-storage-parameters.js';
import { validateConstraint } from './kinds/validate-constraint.js';

/**
 * Every kind of change the planner knows, in one place: one line per kind, each defined in ./kinds/<name>.ts.
 * The plan runs their steps in the order their declared constraints give (./ordering.ts); this list
 * decides only between kinds no constraint relates. Adding a kind: its file, and its line here.
 */
export const changeKinds: readonly ChangeKind[] = [
  addEnumValue,
  dropView,
  dropTrigger,
  dropPolicy,
  dropConstraint,
  createSchema,
  createExtension,
  addEnum,
  recreateEnum,
  addSequence,
  dropFunction,
  createFunction,
  addTable,
  addColumn,
  alterColumnType,
  dropGeneratedExpression,
  alterIdentity,
  setDefault,
  dropNotNull,
  dropColumn,
  dropTable,
  createTrigger,
  createPolicy,
  rowSecurity,
  setStorageParameters,
  dropSequence,
  dropEnum,
  dropExtension,
  dropSchema,
  createView,
  setNotNull,
  addIndex,
  renameIndex,
  dropIndex,
  addUniqueConstraint,
  addExclusionConstraint,
  addCheckConstraint,
  addForeignKey,
  validateConstraint,
  setReplicaIdentity,
  sequenceOwnership,
  comments,
];
