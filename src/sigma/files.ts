/**
 * Reads Sigma rule folders (`sigma.dirs`), recursively; the only file of `src/sigma/` that touches
 * the file system.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../errors.js';

export interface SigmaDoc {
  file: string;
  text: string;
}

export const isSigmaFile = (file: string): boolean => /\.ya?ml$/i.test(file);

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile() && isSigmaFile(entry.name)) out.push(path);
  }
}

/** Every `*.yml` / `*.yaml` file under each folder (sub-folders included, hidden ones not), in name order. */
export function readSigmaDirs(dirs: readonly string[]): SigmaDoc[] {
  const files: string[] = [];
  for (const dir of dirs) {
    try {
      if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
      walk(dir, files);
    } catch (cause) {
      throw new WardenError('WARDEN_INPUT_NOT_FOUND', `Sigma rule folder not found: ${dir}`, { cause });
    }
  }
  return files.map((file) => {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (cause) {
      throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}`, { cause });
    }
  });
}
