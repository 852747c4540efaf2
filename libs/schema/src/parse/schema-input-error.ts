/**
 * A desired schema that cannot be used as given: a syntax error, a statement that is not schema
 * definition, or an error PostgreSQL raised while loading it. Always points at a place in the input,
 * so the gRPC layer maps it to INVALID_ARGUMENT and the CLI to exit code 2 with one clear line.
 */
export class SchemaInputError extends Error {
  override readonly name: string = 'SchemaInputError';

  constructor(
    /** The input's file name as the caller named it ("schema.sql"; "<input>" when it has none). */
    readonly file: string,
    /** 1-based line of the offending statement or token. */
    readonly line: number,
    /** 1-based column, counted in characters. */
    readonly column: number,
    /** What is wrong, without the position prefix. */
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/** The name shown for an input that came without one. */
export function inputName(filename: string | undefined): string {
  return filename && filename.length > 0 ? filename : '<input>';
}
