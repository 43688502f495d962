/**
 * The one schema of `warden.yaml`. Each section lives in `sections/` next to the stage it
 * configures; defaults are documented there with `@defaultValue`.
 */
import { z } from 'zod';
import { kafkaSchema, redisSchema } from './sections/kafka.js';
import { blocksSchema, decisionsSchema, loggingSchema, pipelineSchema, signingSchema } from './sections/pipeline.js';
import { eventsSchema } from './sections/events.js';
import { identitySchema, policySchema } from './sections/identity.js';
import { baselineSchema, modelSchema, scoringSchema } from './sections/baseline.js';
import { gatewaySchema } from './sections/gateway.js';
import { knowledgeSchema } from './sections/knowledge.js';
import { consoleSchema } from './sections/console.js';
import { approvalsSchema } from './sections/approvals.js';
import { sinkSections } from './sections/notify.js';
import { sigmaSchema } from './sections/sigma.js';

export const wardenConfigSchema = z.strictObject({
  kafka: kafkaSchema.prefault({}),
  redis: redisSchema.prefault({}),
  pipeline: pipelineSchema.prefault({}),
  events: eventsSchema.prefault({}),
  identity: identitySchema.prefault({}),
  policy: policySchema.prefault({}),
  knowledge: knowledgeSchema.prefault({}),
  sigma: sigmaSchema.prefault({}),
  baseline: baselineSchema.prefault({}),
  scoring: scoringSchema.prefault({}),
  model: modelSchema.prefault({}),
  signing: signingSchema.prefault({}),
  decisions: decisionsSchema.prefault({}),
  blocks: blocksSchema.prefault({}),
  logging: loggingSchema.prefault({}),
  gateway: gatewaySchema.prefault({}),
  console: consoleSchema.prefault({}),
  approvals: approvalsSchema.prefault({}),
  ...sinkSections,
});

export type WardenConfig = z.output<typeof wardenConfigSchema>;
