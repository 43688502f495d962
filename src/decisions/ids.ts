/**
 * Deterministic decision ids: the same event under the same policy and model versions always gets
 * the same id, so a redelivered event yields the same decision instead of a second one.
 */
import { createHash } from 'node:crypto';

export function decisionIdFor(eventId: string, policyVersion: string, modelVersion: string | null): string {
  return createHash('sha256').update(`${eventId}\u0000${policyVersion}\u0000${modelVersion ?? ''}`).digest('hex').slice(0, 32);
}
