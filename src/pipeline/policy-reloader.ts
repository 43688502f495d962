/**
 * Hot reload of the policy folder: on a file change (fs.watch, debounced) or SIGHUP the folder is
 * loaded again and, if valid, a new engine replaces the running one. An invalid change is refused:
 * the error is logged and emitted, and the previous engine keeps deciding. Rate-limit windows of
 * unchanged rules carry over to the new engine.
 */
import { EventEmitter } from 'node:events';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { loadPolicyDir } from '../config/policy-dir.js';
import { createPolicyEngine } from '../policy/engine.js';
import type { PolicySet } from '../policy/compiled.js';
import type { PolicyEngine, RuleMode } from '../policy/types.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';

export interface PolicyReloaderOptions {
  dir: string;
  /** Global mode (config `policy.mode`). */
  mode: RuleMode;
  logger?: Logger;
  /** Quiet time after the last file event before reloading (editors write in several steps). @defaultValue 200 */
  debounceMs?: number;
  /** How a folder is loaded; injectable for tests and for the lead's wiring. */
  load?: (dir: string) => PolicySet;
}

export type ReloadResult = { ok: true; version: string; changed: boolean } | { ok: false; error: Error; version: string };

export interface PolicyReloaderEvents {
  /** A new engine is in force. */
  reload: [version: string, previous: string];
  /** A change was refused; `version` is the one still in force. */
  rejected: [error: Error, version: string];
}

export class PolicyReloader extends EventEmitter<PolicyReloaderEvents> {
  #engine: PolicyEngine;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #options: PolicyReloaderOptions;
  readonly #log: Logger;
  readonly #load: (dir: string) => PolicySet;

  /** Loads the folder once; throws when the initial policies are invalid (nothing to fall back to). */
  constructor(options: PolicyReloaderOptions) {
    super();
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ component: 'policy-reloader' });
    this.#load = options.load ?? loadPolicyDir;
    this.#engine = createPolicyEngine(this.#load(options.dir), { mode: options.mode });
  }

  /** The engine in force; read it for every batch, it changes on reload. */
  get engine(): PolicyEngine {
    return this.#engine;
  }

  get version(): string {
    return this.#engine.version;
  }

  /** Loads the folder again; keeps the running engine when the new files are invalid. */
  reload(): ReloadResult {
    const previous = this.#engine.version;
    let set: PolicySet;
    try {
      set = this.#load(this.#options.dir);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log.error({ err: error, version: previous }, 'policy change refused; the running policies stay in force');
      this.emit('rejected', error, previous);
      return { ok: false, error, version: previous };
    }
    if (set.version === previous) return { ok: true, version: previous, changed: false };
    this.#engine = createPolicyEngine(set, { mode: this.#options.mode, previous: this.#engine });
    this.#log.info({ version: set.version, previous }, 'policies reloaded');
    this.emit('reload', set.version, previous);
    return { ok: true, version: set.version, changed: true };
  }

  /** Watches the folder and reloads after changes settle. */
  watch(): this {
    if (this.#watcher) return this;
    this.#watcher = watch(this.#options.dir, { persistent: false }, () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.reload();
      }, this.#options.debounceMs ?? 200);
    });
    return this;
  }

  /** Reloads on SIGHUP; returns a function that removes the handler. */
  attachSighup(target: NodeJS.EventEmitter = process): () => void {
    const handler = (): void => void this.reload();
    target.on('SIGHUP', handler);
    return () => target.off('SIGHUP', handler);
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
