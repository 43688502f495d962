/** The optional fields a simulated call step carries onto its event body, in one fixed order. */
import type { WardenEvent } from '../events/event.js';

export interface StepFields {
  resource?: string;
  bytes?: number;
  rows?: number;
  readOnly?: boolean;
}

/** Copies the step's resource (when non-empty), bytes, rows and readOnly onto the body. */
export function copyStepFields(body: Pick<WardenEvent, 'resource' | 'bytes' | 'rows' | 'readOnly'>, step: StepFields): void {
  if (step.resource) body.resource = step.resource;
  if (step.bytes !== undefined) body.bytes = step.bytes;
  if (step.rows !== undefined) body.rows = step.rows;
  if (step.readOnly !== undefined) body.readOnly = step.readOnly;
}
