/**
 * Reads a knowledge pack folder (`config/knowledge/*.yaml`); the only file of `src/knowledge/`
 * that touches the file system.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../errors.js';
import type { KnowledgeDoc } from './compile.js';

export const isKnowledgeFile = (file: string): boolean => /\.ya?ml$/.test(file);

/** Reads every `*.yaml`/`*.yml` file of the folder, sorted by name. */
export function readKnowledgeDir(dir: string): KnowledgeDoc[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
    names = readdirSync(dir).filter(isKnowledgeFile).sort();
  } catch (cause) {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `knowledge pack folder not found: ${dir}`, { cause });
  }
  return names.map((name) => {
    const file = join(dir, name);
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (cause) {
      throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}`, { cause });
    }
  });
}
