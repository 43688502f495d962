/**
 * The technique knowledge pack (docs/detections.md): actions of every source format mapped to an
 * ATT&CK tactic and technique and a sensitivity tier, loaded from `config/knowledge/`.
 */
import { compileKnowledgePack } from './compile.js';
import type { CompiledKnowledgePack } from './pack.js';
import { readKnowledgeDir } from './files.js';

export type { Classification, KnowledgePack, Sensitivity, TechniqueHit, Tier } from './types.js';
export { TIERS, TIER_RANK } from './types.js';
export { compileKnowledgePack, emptyKnowledgePack } from './compile.js';
export type { KnowledgeDoc } from './compile.js';
export type { CompiledKnowledgePack } from './pack.js';
export type { CompiledEntry } from './parse.js';
export { readKnowledgeDir } from './files.js';

/** Folder of the shipped pack. */
export const DEFAULT_KNOWLEDGE_DIR = 'config/knowledge';

/** Loads every pack file of the folder; throws WARDEN_KNOWLEDGE_INVALID (a WardenError) on any invalid file. */
export function loadKnowledgeDir(dir: string = DEFAULT_KNOWLEDGE_DIR): CompiledKnowledgePack {
  return compileKnowledgePack(readKnowledgeDir(dir));
}
