import { createHash } from 'node:crypto';

/**
 * Content id for records that carry no id of their own. Derived from the record's JSON text (or
 * the raw line), so the same record always gets the same id and the same decision id.
 */
export function contentId(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}
