import { afterEach, describe, expect, it, vi } from 'vitest';
import { OffsetCommitter } from '../../../src/pipeline/offset-committer.js';
import type { PartitionOffset } from '../../../src/pipeline/offset-committer.js';

/** A commit function whose requests stay open until the test answers them. */
function coordinator() {
  const requests: Array<{ offsets: PartitionOffset[]; answer: (err?: Error) => void }> = [];
  const commit = (offsets: PartitionOffset[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      requests.push({ offsets, answer: (err) => (err ? reject(err) : resolve()) });
    });
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
  return { requests, commit, settle };
}

const shown = (offsets: PartitionOffset[]): string[] => offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).sort();

describe('OffsetCommitter', () => {
  it('sends the first chunk at once and coalesces the chunks completed meanwhile into the next request', async () => {
    const c = coordinator();
    const committer = new OffsetCommitter(c.commit);
    committer.done('audit', 0, '100');
    expect(c.requests).toHaveLength(1);
    committer.done('audit', 0, '200');
    committer.done('audit', 1, '50');
    committer.done('audit', 0, '300');
    expect(c.requests).toHaveLength(1);
    c.requests[0]!.answer();
    await c.settle();
    expect(c.requests.map((r) => shown(r.offsets))).toEqual([['audit/0@100'], ['audit/0@300', 'audit/1@50']]);
    const flushed = committer.flush();
    c.requests[1]!.answer();
    await flushed;
    expect(committer.busy).toBe(false);
    expect(committer.requests).toBe(2);
  });

  it('never moves a partition back within a request (offsets compare as integers, not text)', async () => {
    const c = coordinator();
    const committer = new OffsetCommitter(c.commit);
    committer.done('audit', 0, '1');
    committer.done('audit', 0, '1000');
    committer.done('audit', 0, '999');
    c.requests[0]!.answer();
    await c.settle();
    expect(shown(c.requests[1]!.offsets)).toEqual(['audit/0@1000']);
  });

  it('reports a failed commit once, and drops what completed after it (read again from the last commit)', async () => {
    const c = coordinator();
    const committer = new OffsetCommitter(c.commit);
    committer.done('audit', 0, '10');
    committer.done('audit', 0, '20');
    const refused = new Error('ILLEGAL_GENERATION');
    c.requests[0]!.answer(refused);
    await c.settle();
    expect(c.requests).toHaveLength(1);
    expect(() => committer.takeFailure()).toThrow(refused);
    expect(() => committer.takeFailure()).not.toThrow();
    expect(committer.busy).toBe(false);
    // The next chunk after the rejoin commits normally.
    committer.done('audit', 0, '30');
    expect(shown(c.requests[1]!.offsets)).toEqual(['audit/0@30']);
  });

  it('flush waits for every request and throws a failure', async () => {
    const c = coordinator();
    const committer = new OffsetCommitter(c.commit);
    committer.done('audit', 0, '10');
    committer.done('audit', 1, '10');
    let flushed = false;
    const flushing = committer.flush().then(() => (flushed = true));
    c.requests[0]!.answer();
    await c.settle();
    expect(flushed).toBe(false);
    c.requests[1]!.answer();
    await flushing;
    expect(flushed).toBe(true);
    committer.done('audit', 0, '20');
    const failing = committer.flush();
    c.requests[2]!.answer(new Error('coordinator gone'));
    await expect(failing).rejects.toThrow('coordinator gone');
  });

  it('after a reset (new group generation) forgets unsent offsets and ignores the answer to an older request', async () => {
    const c = coordinator();
    const committer = new OffsetCommitter(c.commit);
    committer.done('audit', 0, '10');
    committer.done('audit', 0, '20');
    committer.reset();
    c.requests[0]!.answer(new Error('REBALANCE_IN_PROGRESS'));
    await c.settle();
    expect(c.requests).toHaveLength(1);
    expect(() => committer.takeFailure()).not.toThrow();
    committer.done('audit', 0, '25');
    expect(shown(c.requests[1]!.offsets)).toEqual(['audit/0@25']);
  });

  describe('with an interval', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('sends requests at least the interval apart, with everything completed meanwhile', async () => {
      vi.useFakeTimers();
      const c = coordinator();
      const committer = new OffsetCommitter(c.commit, 100, () => Date.now());
      committer.done('audit', 0, '10');
      expect(c.requests).toHaveLength(1);
      c.requests[0]!.answer();
      await vi.advanceTimersByTimeAsync(1);
      committer.done('audit', 0, '20');
      committer.done('audit', 1, '7');
      await vi.advanceTimersByTimeAsync(50);
      expect(c.requests).toHaveLength(1);
      committer.done('audit', 0, '30');
      await vi.advanceTimersByTimeAsync(49);
      expect(c.requests.map((r) => shown(r.offsets))).toEqual([['audit/0@10'], ['audit/0@30', 'audit/1@7']]);
      c.requests[1]!.answer();
      // Nothing more completed: no request, and no timer left behind.
      await vi.advanceTimersByTimeAsync(500);
      expect(c.requests).toHaveLength(2);
      expect(committer.busy).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('flush sends at once what waits for the interval; reset drops it and its timer', async () => {
      vi.useFakeTimers();
      const c = coordinator();
      const committer = new OffsetCommitter(c.commit, 1000, () => Date.now());
      committer.done('audit', 0, '10');
      c.requests[0]!.answer();
      await vi.advanceTimersByTimeAsync(1);
      committer.done('audit', 0, '20');
      expect(c.requests).toHaveLength(1);
      const flushed = committer.flush();
      await vi.advanceTimersByTimeAsync(0);
      expect(shown(c.requests[1]!.offsets)).toEqual(['audit/0@20']);
      c.requests[1]!.answer();
      await flushed;
      committer.done('audit', 0, '30');
      expect(vi.getTimerCount()).toBe(1);
      committer.reset();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(5000);
      expect(c.requests).toHaveLength(2);
    });
  });
});
