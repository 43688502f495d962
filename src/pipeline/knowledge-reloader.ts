/**
 * Hot reload of the technique knowledge pack (`config/knowledge/`, see folder-reloader.ts): a
 * valid change replaces the running pack, an invalid one is refused and the previous pack keeps
 * serving.
 */
import { loadKnowledgeDir } from '../knowledge/index.js';
import type { KnowledgePack } from '../knowledge/index.js';
import type { Logger } from '../observability/logger.js';
import { FolderReloader } from './folder-reloader.js';

export type { ReloadResult as KnowledgeReloadResult, ReloaderEvents as KnowledgeReloaderEvents } from './folder-reloader.js';

export interface KnowledgeReloaderOptions {
  /** Pack folder (config `knowledge.dir`). */
  dir: string;
  logger?: Logger;
  /** Quiet time after the last file event before reloading (editors write in several steps). @defaultValue 200 */
  debounceMs?: number;
  /** How a folder is loaded; injectable for tests. */
  load?: (dir: string) => KnowledgePack;
}

export class KnowledgeReloader extends FolderReloader<KnowledgePack, KnowledgePack> {
  /** Loads the folder once; throws when the initial pack is invalid (nothing to fall back to). */
  constructor(options: KnowledgeReloaderOptions) {
    super({
      dir: options.dir,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      component: 'knowledge-reloader',
      label: 'knowledge pack',
      load: options.load ?? loadKnowledgeDir,
      build: (pack) => pack,
      describe: (pack) => ({ entries: pack.size }),
    });
  }

  /** The pack in force; read it for every batch, it changes on reload. */
  get pack(): KnowledgePack {
    return this.current;
  }
}
