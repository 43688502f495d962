/**
 * The model stage of a live instance or a replay: opens the configured model (refusing to start on
 * an invalid one: nothing to fall back on yet), watches it for hot swap, and adapts it to the
 * decider's model port. Null when `model.enabled` is false.
 */
import type { WardenConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { ModelHolder } from '../model/holder.js';
import { AutoencoderPort } from '../model/port.js';

export interface ModelStage {
  holder: ModelHolder;
  port: AutoencoderPort;
}

export async function openModelStage(config: WardenConfig, logger: Logger, options: { watch?: boolean } = {}): Promise<ModelStage | null> {
  if (!config.model.enabled) return null;
  const holder = await ModelHolder.open(config.model.path, { logger });
  if (options.watch ?? config.model.watch) holder.watch();
  const port = new AutoencoderPort(holder, {
    weight: config.scoring.modelWeight,
    minPercentile: config.model.minPercentile,
    fullWeightPercentile: config.model.fullWeightPercentile,
  });
  return { holder, port };
}
