// Copies the baseline store's Lua scripts next to their compiled loader (tsc copies only .ts output).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

const from = 'src/baseline/redis';
const to = 'dist/baseline/redis';
mkdirSync(to, { recursive: true });
for (const file of readdirSync(from)) if (file.endsWith('.lua')) copyFileSync(`${from}/${file}`, `${to}/${file}`);
