import { isAbsolute, join, dirname } from 'node:path';
import { z } from 'zod';

export const sigmaSchema = z.strictObject({
  /**
   * Folders of Sigma rules (`*.yml`, sub-folders included), relative to the config file; e.g. a
   * checkout of a rule repository's `rules/cloud/aws/cloudtrail` (docs/sigma.md). A match weighs
   * by the rule's level on the knowledge pack's tiers (`knowledge.weights`). @defaultValue []
   */
  dirs: z.array(z.string().min(1)).default([]),
});

export type SigmaConfig = z.output<typeof sigmaSchema>;

/** `sigma.dirs` resolved against the folder of the config file they were written in. */
export function resolveSigmaDirs(sigma: SigmaConfig, configFile: string): SigmaConfig {
  return { ...sigma, dirs: sigma.dirs.map((d) => (isAbsolute(d) ? d : join(dirname(configFile), d))) };
}
