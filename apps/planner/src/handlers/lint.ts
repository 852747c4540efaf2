import type { LintRequest, LintResponse } from '@fleetshift/contracts';
import { lintSql } from '@fleetshift/schema';

/** Lint: SQL text → findings (an unparseable text is INVALID_ARGUMENT "file:line:column: message"). */
export function lintHandler(): (request: LintRequest) => Promise<LintResponse> {
  return async (request) => ({ findings: await lintSql(request.sql, request.filename) });
}
