import { deployedApps } from './deployed-apps.js';
import { imageUser } from './image-user.js';

interface Stage {
  name: string;
  from: string;
  instructions: Array<{ op: string; args: string }>;
}

export interface ImageInputs {
  dockerfile: string;
  /** The root package.json. */
  packageJson: { scripts?: Record<string, string>; devDependencies?: Record<string, string> };
  /** .nvmrc's text. */
  nvmrc: string;
}

/**
 * What deploy/Dockerfile must keep true, since no Docker engine builds it here: the Node version the repo
 * pins, a build stage running `npm run build:images` (the command the tests run), and a runtime stage
 * that runs the built JavaScript with plain node as the non-root image user, with HOME and TMPDIR on /tmp.
 * Returns the problems found (empty: none).
 */
export function dockerfileProblems({ dockerfile, packageJson, nvmrc }: ImageInputs): string[] {
  const problems: string[] = [];
  const pinned = packageJson.devDependencies?.node;
  const nodeArg = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
  if (nodeArg !== pinned) problems.push(`ARG NODE_VERSION=${nodeArg}, package.json pins node ${pinned}`);
  if (nodeArg?.split('.')[0] !== nvmrc.trim().split('.')[0]) problems.push(`ARG NODE_VERSION=${nodeArg} is not the major version of .nvmrc (${nvmrc.trim()})`);

  const stages = parseStages(dockerfile);
  const build = stages.find((s) => s.name === 'build');
  const runtime = stages.at(-1);
  if (stages.length !== 2 || !build || runtime?.name !== 'runtime') return [...problems, `want the stages build, runtime; found ${stages.map((s) => s.name).join(', ')}`];
  for (const stage of stages) if (!stage.from.startsWith('node:${NODE_VERSION}-')) problems.push(`stage ${stage.name} is FROM ${stage.from}, not node:\${NODE_VERSION}-…`);

  const script = packageJson.scripts?.['build:images'];
  if (!script?.includes('tools/image-build/src/main.ts')) problems.push(`package.json's build:images (${script}) does not run tools/image-build/src/main.ts`);
  if (!build.instructions.some((i) => i.op === 'RUN' && /(^|&&\s*)npm run build:images(\s|$)/.test(i.args))) problems.push('the build stage does not RUN npm run build:images');

  const of = (op: string) => runtime.instructions.filter((i) => i.op === op);
  const user = of('USER').at(-1)?.args;
  if (user !== `${imageUser}:${imageUser}`) problems.push(`the runtime stage runs as USER ${user}, want ${imageUser}:${imageUser} (numeric, for runAsNonRoot)`);
  const entrypoint = of('ENTRYPOINT').at(-1)?.args;
  if (entrypoint !== '["node", "--enable-source-maps"]') problems.push(`the runtime ENTRYPOINT is ${entrypoint}, want ["node", "--enable-source-maps"]`);
  const cmd = /^\["dist\/([a-z-]+)\/main\.js"\]$/.exec(of('CMD').at(-1)?.args ?? '');
  if (!cmd || !(deployedApps as readonly string[]).includes(cmd[1]!)) problems.push(`the runtime CMD ${of('CMD').at(-1)?.args} is not a built dist/<app>/main.js`);
  if (runtime.instructions.some((i) => /\btsx\b/.test(i.args))) problems.push('the runtime stage mentions tsx: it runs compiled JavaScript only');
  if (runtime.instructions.some((i) => i.op === 'RUN')) problems.push('the runtime stage RUNs commands: it only copies what the build stage made');
  for (const wanted of ['/src/dist ./dist', '/src/node_modules ./node_modules']) {
    if (!of('COPY').some((i) => i.args === `--from=build ${wanted}`)) problems.push(`the runtime stage does not COPY --from=build ${wanted}`);
  }
  const env = of('ENV').map((i) => i.args).join(' ');
  for (const variable of ['HOME=/tmp', 'TMPDIR=/tmp', 'NODE_ENV=production']) if (!env.split(/\s+/).includes(variable)) problems.push(`the runtime stage does not set ${variable}`);
  return problems;
}

/** Instructions by stage, continuation lines joined, comments dropped. */
function parseStages(dockerfile: string): Stage[] {
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op === 'FROM') {
      const [, from = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ name, from, instructions: [] });
    } else stages.at(-1)?.instructions.push({ op, args });
  }
  return stages;
}
