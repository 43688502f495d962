#!/usr/bin/env node
// Entry point of the `warden` command; the code lives in dist/ (built by `npm run build`).
// In a checkout that was never built (`npm ci`, then `node bin/warden.js …`), it builds dist/
// once, with the build's output on stderr so stdout stays clean for piped output; when that is not
// possible it says what to run, in one line, instead of Node's ERR_MODULE_NOT_FOUND.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const entry = new URL('../dist/cli/main.js', import.meta.url);
const root = new URL('..', import.meta.url);

function notBuilt(detail) {
  process.stderr.write(`WARDEN_NOT_BUILT warden is not built (${detail})\nhint: run \`npm run build\` in the warden folder first\n`);
  process.exit(1);
}

if (!existsSync(entry)) {
  if (!existsSync(new URL('src/cli/main.ts', root)) || !existsSync(new URL('node_modules/typescript', root))) {
    notBuilt('dist/cli/main.js is missing');
  }
  process.stderr.write('warden: dist/ is missing in this checkout, building it once (npm run build)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0 || !existsSync(entry)) notBuilt(`npm run build failed${build.error ? `: ${build.error.message}` : ''}`);
}

const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
