/** Pure entry point: pack files as (name, text) pairs in, a pack out. */
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import { buildKnowledgePack, packVersion } from './pack.js';
import type { CompiledKnowledgePack } from './pack.js';
import { KNOWLEDGE_CODE, parseKnowledgeFile } from './parse.js';
import type { KnowledgeFile } from './parse.js';

/** One pack file: its name (for messages and the version hash) and its YAML text. */
export interface KnowledgeDoc {
  file: string;
  text: string;
}

/** Parses, validates and indexes pack files; throws WARDEN_KNOWLEDGE_INVALID listing every problem of every file. */
export function compileKnowledgePack(docs: readonly KnowledgeDoc[]): CompiledKnowledgePack {
  const issues: ValidationIssue[] = [];
  const files: KnowledgeFile[] = [];
  for (const { file, text } of docs) {
    try {
      files.push(parseKnowledgeFile(text, file));
    } catch (err) {
      if (err instanceof WardenValidationError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length > 0) throw new WardenValidationError(KNOWLEDGE_CODE, issues);
  return buildKnowledgePack(files, packVersion(docs));
}

/** A pack with no entries: nothing fires, nothing is sensitive. */
export function emptyKnowledgePack(): CompiledKnowledgePack {
  return buildKnowledgePack([], packVersion([]));
}
