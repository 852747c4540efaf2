import { loadModule } from 'libpg-query';

/**
 * libpg-query is WebAssembly and must be loaded before its synchronous parser runs; loading it when this
 * module is imported keeps lintSql synchronous.
 */
await loadModule();
