/** Reads a policy folder as it was at a git ref (`git ls-tree` + `git show ref:path`). */
import { execFileSync } from 'node:child_process';
import { WardenError } from '../../errors.js';
import { isPolicyFile, parsePolicyTexts } from '../../policy/files.js';
import type { PolicySet } from '../../policy/compiled.js';

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (cause) {
    const stderr = (cause as { stderr?: string }).stderr?.trim();
    throw new WardenError('WARDEN_USAGE', `git ${args.join(' ')} failed: ${stderr || String(cause)} (--base must be a folder or a git ref)`, { cause });
  }
}

export function loadPolicyAtRef(ref: string, dir: string): PolicySet {
  // Paths are taken relative to the current directory, like `git show ref:./dir/file`.
  const prefix = dir.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/$/, '');
  git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  // A folder that did not exist at the ref means "no policies then": the diff shows everything new.
  const exists = git(['ls-tree', '--name-only', ref, '--', `./${prefix}`]).trim() !== '';
  if (!exists) {
    console.error(`note: ${prefix} does not exist at ${ref}; comparing against no policies`);
    return parsePolicyTexts([]);
  }
  const files = git(['ls-tree', '--name-only', `${ref}:./${prefix}`])
    .split('\n')
    .filter((f) => f !== '' && isPolicyFile(f))
    .sort();
  return parsePolicyTexts(files.map((f) => ({ file: `${ref}:${prefix}/${f}`, text: git(['show', `${ref}:./${prefix}/${f}`]) })));
}
