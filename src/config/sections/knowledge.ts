import { z } from 'zod';

export const knowledgeSchema = z.strictObject({
  /** Folder of the technique knowledge pack (`*.yaml`, see docs/detections.md). @defaultValue 'config/knowledge' */
  dir: z.string().default('config/knowledge'),
  /**
   * Points an entry of each tier adds (docs/detections.md, "Tiers and weights"): critical and high
   * alert on their own, medium needs one more signal, low only sharpens novelty.
   */
  weights: z
    .strictObject({
      critical: z.number().min(0).max(100).default(70),
      high: z.number().min(0).max(100).default(55),
      medium: z.number().min(0).max(100).default(25),
      low: z.number().min(0).max(100).default(0),
    })
    .prefault({}),
  /**
   * Multiplier of an entry's weight when the identity does the action routinely (its own mature
   * baseline has it as normal, from an ordinary context): an SSM automation running SendCommand
   * daily still shows the technique, without paging. @defaultValue 0.4
   */
  routineFactor: z.number().min(0).max(1).default(0.4),
});
