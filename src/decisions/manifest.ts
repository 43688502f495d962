/**
 * The signed manifest of a Merkle batch of decisions: what one batch signature commits to besides
 * the root, so that a reader of the whole stream can tell a batch is complete and in order.
 *
 * `warden-merkle-v2` signs `warden-merkle-v2:<size>:<first>:<last>:` followed by the 32-byte root,
 * where `<first>` and `<last>` are the base64url (UTF-8) event ids of leaf 0 and leaf size−1.
 * Every decision carries these fields in its `sig`, so it stays verifiable on its own, and the
 * batch id (the first 16 hex digits of the root) is the same whichever leaf it is computed from.
 * `warden-merkle-v1` (size and root only) is still verified; it has no first/last event ids.
 */

export const MERKLE_V1_CONTEXT = 'warden-merkle-v1';
export const MERKLE_V2_CONTEXT = 'warden-merkle-v2';

/** What a batch signature commits to, as read back from any one of its decisions. */
export interface BatchManifest {
  /** First 16 hex digits of the Merkle root: names the batch in reports. */
  batchId: string;
  keyId: string;
  /** Number of decisions (leaves) in the batch. */
  size: number;
  /** Event id of leaf 0 and of leaf size−1; null for v1 signatures, which do not carry them. */
  firstEventId: string | null;
  lastEventId: string | null;
  version: 1 | 2;
}

/** Where one verified decision sits in its batch. */
export interface LeafPosition {
  manifest: BatchManifest;
  index: number;
}

export function batchIdOf(root: Buffer): string {
  return root.toString('hex').slice(0, 16);
}

export function encodeEventId(eventId: string): string {
  return Buffer.from(eventId, 'utf8').toString('base64url');
}

export function decodeEventId(encoded: string): string {
  return Buffer.from(encoded, 'base64url').toString('utf8');
}

/** The bytes a batch signature covers. `first`/`last` are already base64url (no `:` in them). */
export function manifestMessage(size: number, root: Buffer, encodedFirst?: string, encodedLast?: string): Buffer {
  const head = encodedFirst === undefined ? `${MERKLE_V1_CONTEXT}:${size}:` : `${MERKLE_V2_CONTEXT}:${size}:${encodedFirst}:${encodedLast ?? ''}:`;
  return Buffer.concat([Buffer.from(head), root]);
}

/** The event id a record names (decisions: `eventId`), or '' when it names none. */
export function eventIdOf(record: object): string {
  const id = (record as { eventId?: unknown }).eventId;
  return typeof id === 'string' ? id : '';
}
