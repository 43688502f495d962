/**
 * Splits what one batch publishes into produce requests of bounded size. kafkajs writes all the
 * messages of a partition in a request as one record batch, and the broker refuses a record batch
 * larger than `message.max.bytes` (1 MiB by default), so a thousand decisions with Merkle proofs
 * can not go in one request. Order is kept: requests are sent one after the other.
 */
import type { Message, TopicMessages } from 'kafkajs';

/** Bytes a message adds to a record batch, close enough to bound a request (varints ≤ 5 bytes each). */
export function messageBytes(m: Message): number {
  let n = 24;
  if (m.key !== null && m.key !== undefined) n += typeof m.key === 'string' ? Buffer.byteLength(m.key) : m.key.length;
  if (m.value !== null) n += typeof m.value === 'string' ? Buffer.byteLength(m.value) : m.value.length;
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    n += 10 + Buffer.byteLength(k);
    if (typeof v === 'string') n += Buffer.byteLength(v);
    else if (Buffer.isBuffer(v)) n += v.length;
  }
  return n;
}

/** Groups `topicMessages` into requests of at most `maxBytes` each (a larger single message goes alone). */
export function splitRequests(topicMessages: readonly TopicMessages[], maxBytes: number): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  const flush = (): void => {
    if (current.size === 0) return;
    requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    bytes = 0;
  };
  for (const { topic, messages } of topicMessages) {
    for (const m of messages) {
      const size = messageBytes(m);
      if (bytes > 0 && bytes + size > maxBytes) flush();
      let list = current.get(topic);
      if (!list) {
        list = [];
        current.set(topic, list);
      }
      list.push(m);
      bytes += size;
    }
  }
  flush();
  return requests;
}
