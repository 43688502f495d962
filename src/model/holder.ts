/**
 * Hot swap: holds the serving model, watches its directory, loads a changed model completely and
 * validates it before swapping the reference in one assignment. A corrupt or mismatched model is
 * refused with an error log and the previous one keeps serving.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { WardenError } from '../errors.js';
import { isWardenError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { loadModel } from './load.js';
import type { ModelScorer } from './scorer.js';

export interface ModelHolderOptions {
  logger?: Logger;
  /** Quiet period after the last file event before reloading (copying a model is several writes). @defaultValue 250 */
  debounceMs?: number;
  /** Loader, replaceable for tests of the swap logic. @defaultValue loadModel */
  load?: (dir: string) => Promise<ModelScorer>;
}

export type ReloadOutcome =
  | { status: 'swapped'; from: string; to: string }
  | { status: 'unchanged'; version: string }
  | { status: 'refused'; version: string; error: WardenError | Error };

export class ModelHolder {
  readonly dir: string;
  private scorer: ModelScorer;
  private readonly logger: Logger;
  private readonly load: (dir: string) => Promise<ModelScorer>;
  private readonly debounceMs: number;
  private readonly listeners: ((scorer: ModelScorer) => void)[] = [];
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pending: Promise<ReloadOutcome> = Promise.resolve({ status: 'unchanged', version: '' });

  private constructor(dir: string, scorer: ModelScorer, logger: Logger, options: ModelHolderOptions) {
    this.dir = dir;
    this.scorer = scorer;
    this.logger = logger;
    this.load = options.load ?? ((d) => loadModel(d, { logger }));
    this.debounceMs = options.debounceMs ?? 250;
  }

  /** Loads the model in `dir`; an invalid model at start-up is an error (nothing to fall back on). */
  static async open(dir: string, options: ModelHolderOptions = {}): Promise<ModelHolder> {
    const logger = (options.logger ?? silentLogger).child({ component: 'model' });
    const scorer = await (options.load ?? ((d: string) => loadModel(d, { logger })))(dir);
    logger.info({ version: scorer.version, backend: scorer.backend, dir }, `model ${scorer.version} loaded`);
    return new ModelHolder(dir, scorer, logger, options);
  }

  /** The model serving now. Read it once per batch: it may change between batches, never within one. */
  get current(): ModelScorer {
    return this.scorer;
  }

  /** Called after every swap with the new model (metrics, logs). */
  onSwap(listener: (scorer: ModelScorer) => void): void {
    this.listeners.push(listener);
  }

  /** Loads the directory again and swaps if it holds a valid, different model. Reloads never overlap. */
  reload(): Promise<ReloadOutcome> {
    this.pending = this.pending.then(() => this.reloadNow());
    return this.pending;
  }

  private async reloadNow(): Promise<ReloadOutcome> {
    const old = this.scorer;
    let next: ModelScorer;
    try {
      next = await this.load(this.dir);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.logger.error(
        { err: error, code: isWardenError(err) ? err.code : undefined, serving: old.version, dir: this.dir },
        `model in ${this.dir} refused, ${old.version} keeps serving: ${error.message}`,
      );
      return { status: 'refused', version: old.version, error };
    }
    if (next.version === old.version) {
      next.dispose();
      return { status: 'unchanged', version: old.version };
    }
    this.scorer = next;
    // Scoring is synchronous, so no batch can still be using the old tensors here.
    old.dispose();
    this.logger.info({ from: old.version, to: next.version, backend: next.backend }, `model swapped ${old.version} → ${next.version}`);
    for (const listener of this.listeners) listener(next);
    return { status: 'swapped', from: old.version, to: next.version };
  }

  /** Starts watching the model directory; file events are debounced into one reload. */
  watch(): void {
    if (this.watcher) return;
    this.watcher = watch(this.dir, (_event, file) => {
      // Our own writer's temporary files are not a model yet.
      if (file && file.includes('.tmp-')) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.reload();
      }, this.debounceMs);
    });
    this.watcher.on('error', (err) => this.logger.error({ err, dir: this.dir }, 'model directory watch failed; hot swap is off'));
  }

  /** Stops watching and waits for a reload in progress; the current model stays usable until dispose. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
    await this.pending;
  }

  /** Closes and frees the current model's tensors. */
  async dispose(): Promise<void> {
    await this.close();
    this.scorer.dispose();
  }
}
