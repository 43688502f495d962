import { z } from 'zod';

export const knowledgeSchema = z.strictObject({
  /** Folder of the technique knowledge pack (`*.yaml`, see docs/detections.md). @defaultValue 'config/knowledge' */
  dir: z.string().default('config/knowledge'),
});
