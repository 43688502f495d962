/**
 * Hot reload of the Sigma rules (`sigma.dirs`, see folder-reloader.ts and docs/sigma.md): a valid
 * change replaces the running rules, an invalid file is refused and the previous rules keep
 * matching. Every load logs the rules it skips and why, so none is dropped silently.
 */
import { loadSigmaDirs } from '../sigma/index.js';
import type { SigmaRuleSet } from '../sigma/index.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import { FolderReloader } from './folder-reloader.js';

export interface SigmaReloaderOptions {
  /** Rule folders (config `sigma.dirs`, resolved against the config file). */
  dirs: readonly string[];
  logger?: Logger;
  /** Quiet time after the last file event before reloading. @defaultValue 200 */
  debounceMs?: number;
  /** How the folders are loaded; injectable for tests. */
  load?: (dirs: readonly string[]) => SigmaRuleSet;
}

/** Logs what a rule set holds: one line for the set, one warning per skipped rule with its reason. */
export function logSigmaRules(logger: Logger, rules: SigmaRuleSet): void {
  logger.info({ version: rules.version, loaded: rules.rules.length, skipped: rules.skipped.length }, 'sigma rules loaded');
  for (const s of rules.skipped) logger.warn({ file: s.file, line: s.line, rule: s.id, title: s.title, reason: s.reason }, 'sigma rule skipped');
}

export class SigmaReloader extends FolderReloader<SigmaRuleSet, SigmaRuleSet> {
  /** Loads the folders once; throws when a rule file is invalid (nothing to fall back to). */
  constructor(options: SigmaReloaderOptions) {
    const load = options.load ?? loadSigmaDirs;
    const log = (options.logger ?? silentLogger).child({ component: 'sigma-reloader' });
    super({
      dir: options.dirs[0] ?? '.',
      watchDirs: options.dirs,
      recursive: true,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      component: 'sigma-reloader',
      label: 'sigma rules',
      load: () => load(options.dirs),
      build: (rules) => {
        logSigmaRules(log, rules);
        return rules;
      },
      describe: (rules) => ({ loaded: rules.rules.length, skipped: rules.skipped.length }),
    });
  }

  /** The rules in force; read them for every batch, they change on reload. */
  get rules(): SigmaRuleSet {
    return this.current;
  }
}
