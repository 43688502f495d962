/** Assembles parsed policy files into the set the engine runs, with its content-hash version. */
import { createHash } from 'node:crypto';
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import type { CompiledPolicy, PolicySet } from './compiled.js';

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/**
 * The version is a hash of every file's name and content, so two hosts running the same policies
 * stamp the same version on their decisions wherever the folder lives. Policy ids must be unique.
 */
export function buildPolicySet(policies: readonly CompiledPolicy[]): PolicySet {
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, CompiledPolicy>();
  for (const p of policies) {
    const first = seen.get(p.id);
    if (first) issues.push({ file: p.file, line: p.line, field: 'policy', message: `duplicate policy id "${p.id}" (also in ${first.file})` });
    else seen.set(p.id, p);
  }
  if (issues.length > 0) throw new WardenValidationError('WARDEN_POLICY_INVALID', issues);
  const sorted = [...policies].sort((a, b) => (baseName(a.file) < baseName(b.file) ? -1 : baseName(a.file) > baseName(b.file) ? 1 : 0));
  const hash = createHash('sha256');
  for (const p of sorted) hash.update(`${baseName(p.file)}\u0000${p.hash}\u0000`);
  return Object.freeze({ version: hash.digest('hex').slice(0, 16), policies: Object.freeze(sorted) });
}
