import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fleetshift/testing';
import { dockerfileProblems, type ImageInputs } from './dockerfile-problems.js';

// No Docker engine builds deploy/Dockerfile here: this holds it to what build-images.test.ts proves —
// the same build command, and a runtime stage that runs its output as the tested sandbox does.
let inputs: ImageInputs;

beforeAll(async () => {
  const read = (file: string) => readFile(path.join(workspaceRoot, file), 'utf8');
  inputs = { dockerfile: await read('deploy/Dockerfile'), packageJson: JSON.parse(await read('package.json')), nvmrc: await read('.nvmrc') };
});

describe('deploy/Dockerfile', () => {
  it('builds with npm run build:images on the pinned Node and runs the output with plain node, unprivileged', () => {
    expect(dockerfileProblems(inputs)).toEqual([]);
  });

  it('refuses another Node, a runtime through tsx, root, and a build stage that skips build:images', () => {
    const broken = inputs.dockerfile
      .replace(/^ARG NODE_VERSION=.*$/m, 'ARG NODE_VERSION=20.19.0')
      .replace('RUN npm run build:images', 'RUN npx tsc -p tsconfig.json')
      .replace('USER 1000:1000', 'USER node')
      .replace('ENTRYPOINT ["node", "--enable-source-maps"]', 'ENTRYPOINT ["node", "--import", "tsx"]')
      .replace('CMD ["dist/scheduler/main.js"]', 'CMD ["apps/scheduler/src/main.ts"]');
    expect(dockerfileProblems({ ...inputs, dockerfile: broken })).toEqual([
      'ARG NODE_VERSION=20.19.0, package.json pins node 22.23.3',
      'ARG NODE_VERSION=20.19.0 is not the major version of .nvmrc (22)',
      'the build stage does not RUN npm run build:images',
      'the runtime stage runs as USER node, want 1000:1000 (numeric, for runAsNonRoot)',
      'the runtime ENTRYPOINT is ["node", "--import", "tsx"], want ["node", "--enable-source-maps"]',
      'the runtime CMD ["apps/scheduler/src/main.ts"] is not a built dist/<app>/main.js',
      'the runtime stage mentions tsx: it runs compiled JavaScript only',
    ]);
  });

  it('refuses a single stage', () => {
    const single = inputs.dockerfile.replace(/FROM node:\$\{NODE_VERSION\}-bookworm-slim AS runtime[\s\S]*$/, '');
    expect(dockerfileProblems({ ...inputs, dockerfile: single })).toEqual(['want the stages build, runtime; found build']);
  });
});
