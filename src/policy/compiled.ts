/** Compiled policy objects: what the engine evaluates. Built once at load time, immutable. */
import type { PatternList } from '../common/glob.js';
import type { RuleMode } from './types.js';
import type { CompiledWindow } from './time-window.js';
import type { CompiledSource } from './source.js';

export type RuleKind = 'allow' | 'deny' | 'time-window' | 'source' | 'rate-limit' | 'thresholds';

export interface CompiledRule {
  readonly policyId: string;
  readonly id: string;
  readonly kind: RuleKind;
  readonly description?: string;
  /** Mode from the file (rule's own or the policy's); the engine weakens it with the global mode. */
  readonly mode: RuleMode;
  readonly verdict: 'alert' | 'block';
  readonly weight: number;
  /** Allow rules: the allow-list. Other kinds: a filter narrowing which events the rule looks at. */
  readonly actions: PatternList | null;
  readonly resources: PatternList | null;
  readonly window?: CompiledWindow;
  readonly source?: CompiledSource;
  readonly rate?: { readonly max: number; readonly windowMs: number; readonly per: string };
  readonly thresholds?: { readonly alertAt?: number; readonly blockAt?: number };
  /** The rule's own scope, narrowing the policy's (every listed field must match). */
  readonly scope?: CompiledScope;
  /** Line of the rule in its file, for explanations and coverage listings. */
  readonly line?: number;
}

export interface CompiledException {
  readonly policyId: string;
  readonly id: string;
  /** Rule ids suspended, or null for every non-deny rule of the policy. */
  readonly rules: ReadonlySet<string> | null;
  readonly identities: PatternList | null;
  readonly actions: PatternList | null;
  readonly resources: PatternList | null;
  readonly expiresMs: number;
  readonly expires: string;
  readonly reason: string;
  readonly ticket?: string;
  readonly line?: number;
}

export interface CompiledScope {
  readonly identities: PatternList | null;
  readonly classes: PatternList | null;
  readonly environments: PatternList | null;
  readonly owners: PatternList | null;
}

export interface CompiledPolicy {
  readonly id: string;
  readonly file: string;
  readonly line?: number;
  readonly description?: string;
  readonly mode: RuleMode;
  readonly scope: CompiledScope;
  readonly rules: readonly CompiledRule[];
  readonly exceptions: readonly CompiledException[];
  /** sha256 of the file's text. */
  readonly hash: string;
}

/** Every policy in force, and the content hash decisions carry. */
export interface PolicySet {
  readonly version: string;
  readonly policies: readonly CompiledPolicy[];
}
