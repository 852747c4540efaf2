import type { CommandRegistration } from '../../command-registration.js';
import { registerSchemaList } from './list.js';
import { registerSchemaPush } from './push.js';
import { registerSchemaShow } from './show.js';

/** `fleetshift schema push|list|show`: blueprints and their numbered schema versions (scheduler). */
export const schemaCommand: CommandRegistration = {
  name: 'schema',
  register(program) {
    const group = program.command('schema').description('push and inspect the schema versions of a blueprint');
    registerSchemaPush(group);
    registerSchemaList(group);
    registerSchemaShow(group);
  },
};
