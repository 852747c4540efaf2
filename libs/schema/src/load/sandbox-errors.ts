/**
 * The sandbox stopped a scratch session that ran past its bound (SandboxOptions.sessionTimeoutMs): the
 * caller's text kept the database busy too long — usually a statement that ignored its statement_timeout.
 */
export class SandboxTimeoutError extends Error {
  override readonly name: string = 'SandboxTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(
      `the sandbox stopped the scratch database after ${timeoutMs} ms: the schema kept it busy longer than a load or replay may take ` +
        '(a statement that ignores its statement_timeout, or a schema too large for the scratch server)',
    );
  }
}
