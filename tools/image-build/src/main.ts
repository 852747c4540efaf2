import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImages } from './build-images.js';

// `npm run build:images`: dist/<app>/main.js for every deployed service (the Dockerfile's build stage).
const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
for (const built of await buildImages({ workspaceRoot })) {
  console.log(`${path.relative(workspaceRoot, built.main)}${built.files.length ? ` (+ ${built.files.join(', ')})` : ''}`);
}
