/**
 * Hot reload of the technique knowledge pack (`config/knowledge/`): on a file change (fs.watch,
 * debounced) or SIGHUP the folder is loaded again and, if valid, the new pack replaces the
 * running one. An invalid change is refused: the error is logged and emitted, and the previous
 * pack keeps serving.
 */
import { EventEmitter } from 'node:events';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { loadKnowledgeDir } from '../knowledge/index.js';
import type { KnowledgePack } from '../knowledge/index.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';

export interface KnowledgeReloaderOptions {
  /** Pack folder (config `knowledge.dir`). */
  dir: string;
  logger?: Logger;
  /** Quiet time after the last file event before reloading (editors write in several steps). @defaultValue 200 */
  debounceMs?: number;
  /** How a folder is loaded; injectable for tests. */
  load?: (dir: string) => KnowledgePack;
}

export type KnowledgeReloadResult = { ok: true; version: string; changed: boolean } | { ok: false; error: Error; version: string };

export interface KnowledgeReloaderEvents {
  /** A new pack is in force. */
  reload: [version: string, previous: string];
  /** A change was refused; `version` is the one still in force. */
  rejected: [error: Error, version: string];
}

export class KnowledgeReloader extends EventEmitter<KnowledgeReloaderEvents> {
  #pack: KnowledgePack;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #options: KnowledgeReloaderOptions;
  readonly #log: Logger;
  readonly #load: (dir: string) => KnowledgePack;

  /** Loads the folder once; throws when the initial pack is invalid (nothing to fall back to). */
  constructor(options: KnowledgeReloaderOptions) {
    super();
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ component: 'knowledge-reloader' });
    this.#load = options.load ?? loadKnowledgeDir;
    this.#pack = this.#load(options.dir);
  }

  /** The pack in force; read it for every batch, it changes on reload. */
  get pack(): KnowledgePack {
    return this.#pack;
  }

  get version(): string {
    return this.#pack.version;
  }

  /** Loads the folder again; keeps the running pack when the new files are invalid. */
  reload(): KnowledgeReloadResult {
    const previous = this.#pack.version;
    let pack: KnowledgePack;
    try {
      pack = this.#load(this.#options.dir);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#log.error({ err: error, version: previous }, 'knowledge pack change refused; the running pack stays in force');
      this.emit('rejected', error, previous);
      return { ok: false, error, version: previous };
    }
    if (pack.version === previous) return { ok: true, version: previous, changed: false };
    this.#pack = pack;
    this.#log.info({ version: pack.version, previous, entries: pack.size }, 'knowledge pack reloaded');
    this.emit('reload', pack.version, previous);
    return { ok: true, version: pack.version, changed: true };
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
