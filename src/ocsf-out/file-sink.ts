/**
 * An NDJSON file of findings, rotated by size: when the next write would pass `maxBytes`, the file
 * becomes `<path>.1` (`.1` → `.2`, …; beyond `keep` the oldest is deleted) and a new one starts.
 * Writes are appended and awaited, so a batch is on disk before its offsets are committed.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WardenError } from '../errors.js';

export interface RotatingFileOptions {
  path: string;
  maxBytes: number;
  keep: number;
}

export class RotatingNdjsonFile {
  private handle: FileHandle | null = null;
  private size = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: RotatingFileOptions) {}

  private fail(cause: unknown): never {
    throw new WardenError('WARDEN_OUTPUT_FAILED', `cannot write findings to ${this.options.path}: ${(cause as Error).message}`, { cause, retriable: true });
  }

  private async openFile(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    try {
      await mkdir(dirname(this.options.path), { recursive: true });
      this.handle = await open(this.options.path, 'a');
      this.size = (await stat(this.options.path)).size;
    } catch (cause) {
      this.fail(cause);
    }
    return this.handle;
  }

  private async rotate(): Promise<void> {
    const { path, keep } = this.options;
    await this.handle?.close();
    this.handle = null;
    try {
      await rm(`${path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) await rename(`${path}.${i}`, `${path}.${i + 1}`).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
      await rename(path, `${path}.1`);
    } catch (cause) {
      this.fail(cause);
    }
  }

  /** Appends one JSON line per value; resolves once written. Calls are serialised. */
  append(lines: readonly string[]): Promise<void> {
    const run = this.queue.then(() => this.write(lines));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(lines: readonly string[]): Promise<void> {
    let chunk = '';
    let chunkBytes = 0;
    const flush = async (): Promise<void> => {
      if (chunk === '') return;
      const handle = await this.openFile();
      try {
        await handle.appendFile(chunk);
      } catch (cause) {
        this.fail(cause);
      }
      this.size += chunkBytes;
      chunk = '';
      chunkBytes = 0;
    };
    for (const line of lines) {
      const text = `${line}\n`;
      const bytes = Buffer.byteLength(text);
      await this.openFile();
      if (this.size + chunkBytes + bytes > this.options.maxBytes && this.size + chunkBytes > 0) {
        await flush();
        await this.rotate();
        await this.openFile();
      }
      chunk += text;
      chunkBytes += bytes;
    }
    await flush();
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = null;
  }
}
