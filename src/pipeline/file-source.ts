/**
 * Reads audit records from a file or stdin (`-`), plain or gzip (told by its magic bytes, not
 * its name), in constant memory. Framing rules are in record-framer.ts. Used by
 * `warden normalize` and `warden replay`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { WardenError } from '../errors.js';
import type { RecordOrigin } from '../events/index.js';
import { RecordFramer } from './record-framer.js';

export interface SourceRecord {
  record: string;
  origin: RecordOrigin;
}

export interface ReadRecordsOptions {
  /** Stream to read for `-` (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Cut records longer than this many characters (they are rejected as too large anyway). */
  maxRecordChars?: number;
  /** Called with the number of compressed/plain bytes read so far (progress bars). */
  onBytes?: (bytesRead: number) => void;
  /**
   * Called instead of throwing when a gzip input ends in the middle (WARDEN_INPUT_TRUNCATED),
   * after every complete record before the cut was yielded, so the caller can finish its output
   * and then report it. Without it the error is thrown at that point.
   */
  onTruncated?: (err: WardenError) => void;
}

/** zlib's error for a stream that ends before the gzip trailer (a cut or partly copied file). */
function isTruncation(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR';
}

/** zlib's errors for bytes that are not a valid gzip stream (corrupt data, bad checksum). */
function isCorruptGzip(err: unknown): boolean {
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  return code === 'Z_DATA_ERROR' || code === 'Z_STREAM_ERROR';
}

async function* chunksOf(source: AsyncIterable<Buffer | string>, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  let read = 0;
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    read += buf.length;
    onBytes?.(read);
    yield buf;
  }
}

/** Decompresses when the stream starts with the gzip magic bytes (1f 8b). */
async function* maybeGunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  const rest = (async function* () {
    yield head;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  })();
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const input = Readable.from(rest);
    input.on('error', (err) => gunzip.destroy(err));
    input.pipe(gunzip);
    for await (const chunk of gunzip) yield chunk as Buffer;
  } else {
    yield* rest;
  }
}

/** Yields each record of a file (or stdin for `-`) with its file name and starting line. */
export async function* readRecords(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<SourceRecord> {
  let stream: AsyncIterable<Buffer | string>;
  const file = path === '-' ? 'stdin' : path;
  if (path === '-') {
    stream = (options.stdin ?? process.stdin) as AsyncIterable<Buffer | string>;
  } else {
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a regular file');
    } catch (err) {
      throw new WardenError('WARDEN_INPUT_NOT_FOUND', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  }
  const framer = new RecordFramer(options.maxRecordChars === undefined ? {} : { maxRecordChars: options.maxRecordChars });
  const decoder = new StringDecoder('utf8');
  let records = 0;
  try {
    for await (const chunk of maybeGunzip(chunksOf(stream, options.onBytes))) {
      for (const r of framer.push(decoder.write(chunk))) {
        records++;
        yield { record: r.record, origin: { file, line: r.line } };
      }
    }
  } catch (err) {
    if (err instanceof WardenError) throw err;
    if (isTruncation(err)) {
      // The record being read when the data ran out is incomplete: it is dropped, not guessed at.
      const cut = framer.pendingLine();
      const truncated = new WardenError(
        'WARDEN_INPUT_TRUNCATED',
        `${file} is a truncated gzip file: it ends in the middle${cut === undefined ? '' : ` of the record starting at line ${cut}`}; the ${records} complete records before the cut were read`,
        { cause: err, hint: 'the file was cut or is still being written: fetch or copy it again for the rest' },
      );
      if (!options.onTruncated) throw truncated;
      options.onTruncated(truncated);
      return;
    }
    if (isCorruptGzip(err)) {
      throw new WardenError('WARDEN_INPUT_INVALID', `${file} is not a valid gzip file after ${records} records: ${(err as Error).message}`, { cause: err });
    }
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `error reading ${file}: ${(err as Error).message}`, { cause: err });
  }
  for (const r of framer.push(decoder.end())) yield { record: r.record, origin: { file, line: r.line } };
  for (const r of framer.end()) yield { record: r.record, origin: { file, line: r.line } };
}
