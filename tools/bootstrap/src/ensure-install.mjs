#!/usr/bin/env node
// `npm run demo` and `npm test` start here, so that both work right after a clone: when node_modules is
// missing or does not match package-lock.json, this runs `npm ci` and then lets the command go on.
// Plain Node and no dependency, since nothing is installed yet. `--clean` always runs `npm ci` (CI).
//
// npm checks every package's `engines` against the Node that runs npm itself. The project's runtime is
// the `node` devDependency (Node 22 LTS, first on the PATH of every npm script), so on an older system
// Node this first fetches that same pinned Node into .fleetshift/runtime and runs `npm ci` with it:
// the install then sees the Node that will run the code, and says nothing about engines.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installProblem, pinnedNodeVersion } from './install-state.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const clean = process.argv.includes('--clean');
const say = (line) => process.stderr.write(`fleetshift: ${line}\n`);

const problem = clean ? 'a clean install was asked for' : installProblem(root);
if (problem === undefined) process.exit(0);

say(`${problem}: running npm ci`);
const npmCli = findNpmCli();
const node = runtimeNode();
const result = spawnSync(node, [npmCli, 'ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  say(`npm ci failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}): it needs the npm registry once; run it again when it is reachable`);
  process.exit(1);
}
const left = installProblem(root);
if (left !== undefined) {
  say(`npm ci finished but node_modules still does not match package-lock.json: ${left}`);
  process.exit(1);
}

/** npm's own entry script: the one running this (`npm run …`), else the `npm` on the PATH. */
function findNpmCli() {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm && /npm-cli\.js$/.test(fromNpm) && existsSync(fromNpm)) return fromNpm;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'npm');
    if (!dir || !existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    if (/npm-cli\.js$/.test(real)) return real;
  }
  say('npm not found on the PATH: install Node.js with npm (Node 22 LTS)');
  process.exit(1);
}

/** The Node to run npm with: this one when it is at least the pinned major, else the pinned Node itself. */
function runtimeNode() {
  const version = pinnedNodeVersion(root);
  if (!version || majorOf(process.versions.node) >= majorOf(version)) return process.execPath;
  const installed = path.join(root, 'node_modules', 'node', 'bin', 'node');
  if (nodeVersionOf(installed) === version) return installed;
  const prefix = path.join(root, '.fleetshift', 'runtime', `node-${version}`);
  const binary = path.join(prefix, 'node_modules', 'node', 'bin', 'node');
  if (nodeVersionOf(binary) !== version) {
    say(`Node ${process.versions.node} is older than the project's Node ${version}: fetching Node ${version} for npm first`);
    // A package of its own, whose allowScripts lets the node package's install script fetch the binary.
    mkdirSync(prefix, { recursive: true });
    writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ private: true, dependencies: { node: version }, allowScripts: { node: true } }));
    const fetched = spawnSync(process.execPath, [npmCli, 'install', '--no-package-lock', '--no-audit', '--no-fund'], { cwd: prefix, stdio: 'inherit' });
    if (fetched.status !== 0 || nodeVersionOf(binary) !== version) {
      say(`could not fetch Node ${version}: running npm ci with Node ${process.versions.node} instead (npm will warn about engines)`);
      return process.execPath;
    }
  }
  return binary;
}

function nodeVersionOf(binary) {
  if (!existsSync(binary)) return undefined;
  const result = spawnSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function majorOf(version) {
  return Number(version.split('.')[0]);
}
