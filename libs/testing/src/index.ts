export { findPostgres, createTestDatabase, databaseUrl, canConnect, type TestDatabase } from './postgres.js';
export { findNats, testNamespace } from './nats.js';
