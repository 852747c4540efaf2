import { addCheckConstraint } from './add-check-constraint.js';
import { addColumn } from './add-column.js';
import { addEnum } from './add-enum.js';
import { addEnumValue } from './add-enum-value.js';
import { addExclusionConstraint } from './add-exclusion-constraint.js';
import { addForeignKey } from './add-foreign-key.js';
import { addIndex } from './add-index.js';
import { addSequence } from './add-sequence.js';
import { addTable } from './add-table.js';
import { addUniqueConstraint } from './add-unique-constraint.js';
import { alterColumnType } from './alter-column-type.js';
import { alterIdentity } from './alter-identity.js';
import type { ChangeKind } from './change.js';
import { comments } from './comments.js';
import { dropColumn } from './drop-column.js';
import { dropGeneratedExpression } from './drop-generated-expression.js';
import { recreateEnum } from './recreate-enum.js';
import { dropConstraint } from './drop-constraint.js';
import { dropEnum } from './drop-enum.js';
import { dropIndex } from './drop-index.js';
import { dropNotNull } from './drop-not-null.js';
import { dropSequence } from './drop-sequence.js';
import { dropTable } from './drop-table.js';
import { createExtension, dropExtension } from './extensions.js';
import { createFunction, dropFunction } from './functions.js';
import { createPolicy, dropPolicy, rowSecurity } from './policies.js';
import { renameIndex } from './rename-index.js';
import { createSchema, dropSchema } from './schemas.js';
import { sequenceOwnership } from './sequence-ownership.js';
import { setDefault } from './set-default.js';
import { setNotNull } from './set-not-null.js';
import { createTrigger, dropTrigger } from './triggers.js';
import { createView, dropView } from './views.js';
import { validateConstraint } from './validate-constraint.js';

/**
 * Every kind of change the planner knows, in one place. The plan orders steps by phase (./phases.ts),
 * then by position in this list, then by object key.
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
  dropFunction,
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
  sequenceOwnership,
  comments,
];
