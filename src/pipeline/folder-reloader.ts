/**
 * Hot reload of a folder of YAML files that compile into one versioned value (the policies, the
 * technique knowledge pack): on a file change (fs.watch, debounced) or SIGHUP the folder is loaded
 * again and, if valid, the new value replaces the running one. An invalid change is refused: the
 * error is logged and emitted, and the previous value keeps serving.
 */
import { EventEmitter } from 'node:events';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';

export interface Versioned {
  readonly version: string;
}

export type ReloadResult = { ok: true; version: string; changed: boolean } | { ok: false; error: Error; version: string };

export interface ReloaderEvents {
  /** A new value is in force. */
  reload: [version: string, previous: string];
  /** A change was refused; `version` is the one still in force. */
  rejected: [error: Error, version: string];
}

export interface FolderReloaderOptions<S extends Versioned, T extends Versioned> {
  dir: string;
  logger?: Logger;
  /** Quiet time after the last file event before reloading (editors write in several steps). @defaultValue 200 */
  debounceMs?: number;
  /** Logger component, e.g. `policy-reloader`. */
  component: string;
  /** What is reloaded, for log lines, e.g. `policies`. */
  label: string;
  /** Reads and validates the folder; throws on any invalid file. */
  load: (dir: string) => S;
  /** Turns what was loaded into the value in force (null the first time). */
  build: (loaded: S, previous: T | null) => T;
  /** Folders to watch when they are not just `dir` (Sigma rules: several folders). @defaultValue [dir] */
  watchDirs?: readonly string[];
  /** Watch sub-folders too. @defaultValue false */
  recursive?: boolean;
  /** Extra fields of the "reloaded" log line. */
  describe?: (value: T) => Record<string, unknown>;
}

export class FolderReloader<S extends Versioned, T extends Versioned> extends EventEmitter<ReloaderEvents> {
  #current: T;
  #watchers: FSWatcher[] | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #options: FolderReloaderOptions<S, T>;
  readonly #log: Logger;

  /** Loads the folder once; throws when the initial files are invalid (nothing to fall back to). */
  constructor(options: FolderReloaderOptions<S, T>) {
    super();
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ component: options.component });
    this.#current = options.build(options.load(options.dir), null);
  }

  /** The value in force; read it for every batch, it changes on reload. */
  protected get current(): T {
    return this.#current;
  }

  get version(): string {
    return this.#current.version;
  }

  /** Loads the folder again; keeps the running value when the new files are invalid. */
  reload(): ReloadResult {
    const previous = this.#current.version;
    const label = this.#options.label;
    let loaded: S;
    try {
      loaded = this.#options.load(this.#options.dir);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log.error({ err: error, version: previous }, `${label}: change refused, the running version stays in force`);
      this.emit('rejected', error, previous);
      return { ok: false, error, version: previous };
    }
    if (loaded.version === previous) return { ok: true, version: previous, changed: false };
    this.#current = this.#options.build(loaded, this.#current);
    this.#log.info({ version: loaded.version, previous, ...(this.#options.describe?.(this.#current) ?? {}) }, `${label} reloaded`);
    this.emit('reload', loaded.version, previous);
    return { ok: true, version: loaded.version, changed: true };
  }

  /** Watches the folder and reloads after changes settle. */
  watch(): this {
    if (this.#watchers) return this;
    const changed = (): void => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.reload();
      }, this.#options.debounceMs ?? 200);
    };
    const recursive = this.#options.recursive ?? false;
    this.#watchers = (this.#options.watchDirs ?? [this.#options.dir]).map((dir) => watch(dir, { persistent: false, recursive }, changed));
    return this;
  }

  /** Reloads on SIGHUP; returns a function that removes the handler. */
  attachSighup(target: NodeJS.EventEmitter = process): () => void {
    const handler = (): void => void this.reload();
    target.on('SIGHUP', handler);
    return () => target.off('SIGHUP', handler);
  }

  close(): void {
    for (const w of this.#watchers ?? []) w.close();
    this.#watchers = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
