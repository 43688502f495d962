/**
 * Deterministic decision ids: the same event under the same policy and model versions always gets
 * the same id, so a redelivered event yields the same decision instead of a second one.
 */
import { hash } from 'node:crypto';

export function decisionIdFor(eventId: string, policyVersion: string, modelVersion: string | null): string {
  return hash('sha256', `${eventId}\u0000${policyVersion}\u0000${modelVersion ?? ''}`, 'hex').slice(0, 32);
}
