import { z } from 'zod';

export const identitySchema = z.strictObject({
  /** The identity inventory. @defaultValue 'config/identities.yaml' */
  inventory: z.string().default('config/identities.yaml'),
  /** Verdict for an event whose identity or token maps to no owner. */
  unknownIdentity: z.enum(['alert', 'block']).default('alert'),
});

export const policySchema = z.strictObject({
  /** Folder of policy files (`*.yaml`, tests in `*.test.yaml`). */
  dir: z.string().default('config/policies'),
  /** Global mode; a rule's own mode can only be weaker. */
  mode: z.enum(['enforce', 'shadow', 'off']).default('enforce'),
});
