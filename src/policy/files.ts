/**
 * Reads policy files from disk; parsing and evaluation stay pure in `src/policy/`. A folder holds
 * `*.yaml`/`*.yml` policies and `*.test.yaml` test files (which are not policies).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../errors.js';
import { parsePolicyFile } from './parse.js';
import { parseEachFile } from '../common/yaml-source.js';
import { buildPolicySet } from './policy-set.js';
import type { PolicySet } from './compiled.js';

export const isPolicyTestFile = (file: string): boolean => /\.test\.ya?ml$/.test(file);
export const isPolicyFile = (file: string): boolean => /\.ya?ml$/.test(file) && !isPolicyTestFile(file);

/** Expands folders and files into sorted file lists. */
export function listPolicyFiles(paths: readonly string[], keep: (file: string) => boolean = isPolicyFile): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (cause) {
      throw new WardenError('WARDEN_INPUT_NOT_FOUND', `policy path not found: ${path}`, { cause });
    }
    if (isDir) out.push(...readdirSync(path).filter(keep).sort().map((f) => join(path, f)));
    else out.push(path);
  }
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${file}`, { cause });
  }
}

/** Parses files given as (name, text) pairs, collecting every file's problems into one error. */
export function parsePolicyTexts(files: readonly { file: string; text: string }[]): PolicySet {
  return buildPolicySet(parseEachFile(files, parsePolicyFile, 'WARDEN_POLICY_INVALID'));
}

/** Loads every policy file in the given folders/files; throws one error listing all problems. */
export function loadPolicyFiles(paths: readonly string[]): PolicySet {
  return parsePolicyTexts(listPolicyFiles(paths).map((file) => ({ file, text: readText(file) })));
}

/** Loads `dir/*.yaml` (test files excluded). */
export function loadPolicyDir(dir: string): PolicySet {
  return loadPolicyFiles([dir]);
}

export { readText as readPolicyText };
