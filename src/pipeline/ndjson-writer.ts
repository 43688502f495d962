/** Buffered NDJSON output to a file or stdout that respects backpressure and reports write errors. */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { WardenError } from '../errors.js';

const FLUSH_AT = 64 * 1024;

export class NdjsonWriter {
  private buffer = '';
  private failure: Error | undefined;
  private constructor(
    private readonly stream: Writable,
    private readonly name: string,
    private readonly owned: boolean,
  ) {
    stream.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  /** Opens a file for writing (`-` is stdout); the file is created or truncated. */
  static async open(path: string, stdout: Writable = process.stdout): Promise<NdjsonWriter> {
    if (path === '-') return new NdjsonWriter(stdout, 'stdout', false);
    const stream = createWriteStream(path);
    try {
      await once(stream, 'open');
    } catch (err) {
      throw new WardenError('WARDEN_OUTPUT_FAILED', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
    }
    return new NdjsonWriter(stream, path, true);
  }

  /** Waits for `event` or an error, removing both listeners either way (no listener build-up). */
  private settled(event: 'drain' | 'finish'): Promise<void> {
    if (this.failure) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off(event, done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on(event, done);
      this.stream.on('error', done);
    });
  }

  private drained(): Promise<void> {
    return this.settled('drain');
  }

  private check(): void {
    if (this.failure) throw new WardenError('WARDEN_OUTPUT_FAILED', `cannot write ${this.name}: ${this.failure.message}`, { cause: this.failure });
  }

  /** Queues one JSON line; returns a promise only when the buffer was full and is being flushed. */
  write(value: unknown): Promise<void> | undefined {
    this.buffer += `${JSON.stringify(value)}\n`;
    return this.buffer.length >= FLUSH_AT ? this.flush() : undefined;
  }

  /** Queues one line already serialised as JSON (signed decisions: their bytes are what was signed). */
  writeLine(line: string): Promise<void> | undefined {
    this.buffer += `${line}\n`;
    return this.buffer.length >= FLUSH_AT ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    this.check();
    if (this.buffer === '') return;
    const data = this.buffer;
    this.buffer = '';
    if (!this.stream.write(data)) await this.drained();
    this.check();
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.owned) {
      this.stream.end();
      await this.settled('finish');
    }
    this.check();
  }
}
