import type { Policy } from '../../catalog/model.js';

/** Whether an existing policy already is the target's (otherwise it is dropped and created again). */
export function samePolicy(a: Policy, b: Policy): boolean {
  return (
    a.command === b.command &&
    a.permissive === b.permissive &&
    a.using === b.using &&
    a.withCheck === b.withCheck &&
    a.roles.join('\u0000') === b.roles.join('\u0000')
  );
}
