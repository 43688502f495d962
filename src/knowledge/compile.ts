/** Pure entry point: pack files as (name, text) pairs in, a pack out. */
import { parseEachFile } from '../common/yaml-source.js';
import { buildKnowledgePack, packVersion } from './pack.js';
import type { CompiledKnowledgePack } from './pack.js';
import { KNOWLEDGE_CODE, parseKnowledgeFile } from './parse.js';

/** One pack file: its name (for messages and the version hash) and its YAML text. */
export interface KnowledgeDoc {
  file: string;
  text: string;
}

/** Parses, validates and indexes pack files; throws WARDEN_KNOWLEDGE_INVALID listing every problem of every file. */
export function compileKnowledgePack(docs: readonly KnowledgeDoc[]): CompiledKnowledgePack {
  return buildKnowledgePack(parseEachFile(docs, parseKnowledgeFile, KNOWLEDGE_CODE), packVersion(docs));
}

/** A pack with no entries: nothing fires, nothing is sensitive. */
export function emptyKnowledgePack(): CompiledKnowledgePack {
  return buildKnowledgePack([], packVersion([]));
}
