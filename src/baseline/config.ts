/** The baseline section of the config, plus values derived from it once (not per event). */
import type { WardenConfig } from '../config/schema.js';
import type { NoveltyRules } from './value-map.js';

export type BaselineConfig = WardenConfig['baseline'];

export interface BaselineRules extends NoveltyRules {
  config: BaselineConfig;
  learningMs: number;
  windowMs: number;
  rateWindowMs: number;
  concurrentMs: number;
}

const DAY_MS = 86_400_000;

export function compileBaselineRules(config: BaselineConfig): BaselineRules {
  return {
    config,
    forgetMs: config.forgetAfterDays * DAY_MS,
    absorbAfterSightings: config.absorbAfterSightings,
    absorbAfterDays: config.absorbAfterDays,
    learningMs: config.learningDays * DAY_MS,
    windowMs: config.burstWindowSeconds * 1000,
    rateWindowMs: config.rateWindowSeconds * 1000,
    concurrentMs: config.concurrentSeconds * 1000,
  };
}

export function inLearning(events: number, firstSeen: number, t: number, rules: BaselineRules): boolean {
  return events < rules.config.learningEvents || t - firstSeen < rules.learningMs;
}
