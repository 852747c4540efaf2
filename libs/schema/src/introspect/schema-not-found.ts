/**
 * introspect(client, { schema }) for a schema the database does not have: a tenant not provisioned yet,
 * or a wrong name. Callers answer it as "not found" (gRPC NOT_FOUND, CLI bad input), naming the tenant.
 */
export class SchemaNotFoundError extends Error {
  override readonly name = 'SchemaNotFoundError';

  constructor(readonly schema: string) {
    super(`schema ${JSON.stringify(schema)} does not exist in this database`);
  }
}
