/**
 * Hot reload of the policy folder (see folder-reloader.ts): a valid change replaces the running
 * engine, an invalid one is refused and the previous engine keeps deciding. Rate-limit windows of
 * unchanged rules carry over to the new engine.
 */
import { loadPolicyDir } from '../policy/files.js';
import { createPolicyEngine } from '../policy/engine.js';
import type { PolicySet } from '../policy/compiled.js';
import type { PolicyEngine, RuleMode } from '../policy/types.js';
import type { Logger } from '../observability/logger.js';
import { FolderReloader } from './folder-reloader.js';

export type { ReloadResult, ReloaderEvents as PolicyReloaderEvents } from './folder-reloader.js';

export interface PolicyReloaderOptions {
  dir: string;
  /** Global mode (config `policy.mode`). */
  mode: RuleMode;
  logger?: Logger;
  /** Quiet time after the last file event before reloading (editors write in several steps). @defaultValue 200 */
  debounceMs?: number;
  /** How a folder is loaded; injectable for tests. */
  load?: (dir: string) => PolicySet;
}

export class PolicyReloader extends FolderReloader<PolicySet, PolicyEngine> {
  /** Loads the folder once; throws when the initial policies are invalid (nothing to fall back to). */
  constructor(options: PolicyReloaderOptions) {
    super({
      dir: options.dir,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      component: 'policy-reloader',
      label: 'policies',
      load: options.load ?? loadPolicyDir,
      build: (set, previous) => createPolicyEngine(set, previous ? { mode: options.mode, previous } : { mode: options.mode }),
    });
  }

  /** The engine in force; read it for every batch, it changes on reload. */
  get engine(): PolicyEngine {
    return this.current;
  }
}
