/**
 * The byte level of the profile codec: varints, exact numbers, strings, and the format byte each
 * section starts with. Integers up to 2^50 in magnitude are zigzag varints (1–7 bytes); anything
 * else (fractions, -0, NaN, ±Infinity, larger values) is the 8 bytes of its float64.
 */
import type { MeanVar } from './profile.js';

/** Raised for bytes that are not a section of this codec (the store maps it to a typed error). */
export class ProfileDecodeError extends Error {}

const FORMAT = 1;
const FLOAT = 1;
const INT_LIMIT = 2 ** 50;

/**
 * One writer for every section (encoding is synchronous and one section at a time): its buffer is
 * reused and grown when needed, and a finished section is copied out (`done`) or compared in place
 * (`same`) so that an unchanged section costs no allocation.
 */
export class Writer {
  private buf = Buffer.allocUnsafeSlow(64 * 1024);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Starts a section over (its format byte first). */
  reset(): this {
    this.pos = 0;
    this.uint(FORMAT);
    return this;
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  uint(n: number): void {
    this.room(8);
    const buf = this.buf;
    let pos = this.pos;
    // The low 7 bits survive the 32-bit conversion of `&` for any integer below 2^53.
    while (n >= 128) {
      buf[pos++] = (n & 127) | 128;
      n = n < 2_147_483_648 ? n >>> 7 : Math.floor(n / 128);
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  num(x: number): void {
    // Even tags are integers (zigzag, so small negatives stay short); the tag 1 is a float64.
    // 32-bit integers (almost every count and time delta) skip the general checks.
    if ((x | 0) === x && (x !== 0 || 1 / x > 0)) {
      this.uint((x >= 0 ? x * 2 : -x * 2 - 1) * 2);
      return;
    }
    if (Number.isInteger(x) && Math.abs(x) <= INT_LIMIT && !Object.is(x, -0)) {
      this.uint((x >= 0 ? x * 2 : -x * 2 - 1) * 2);
      return;
    }
    this.room(9);
    this.buf[this.pos++] = FLOAT;
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }

  /** Length (+ `bias`) as a varint, then the UTF-8 bytes: written in place, moved only when long. */
  private text(s: string, bias: number): void {
    const len = s.length;
    this.room(len * 3 + 10);
    const buf = this.buf;
    const at = this.pos;
    // Short ASCII strings (values, ids, field names) byte by byte: cheaper than a native write.
    if (len + bias < 128 && len <= 32) {
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128) break;
        buf[at + 1 + i] = c;
      }
      if (i === len) {
        buf[at] = len + bias;
        this.pos = at + 1 + len;
        return;
      }
    }
    const n = buf.write(s, at + 1, 'utf8');
    const total = n + bias;
    if (total < 128) {
      buf[at] = total;
      this.pos = at + 1 + n;
      return;
    }
    const bytes = Buffer.from(buf.subarray(at + 1, at + 1 + n));
    this.pos = at;
    this.uint(total);
    this.room(n);
    bytes.copy(this.buf, this.pos);
    this.pos += n;
  }

  str(s: string): void {
    this.text(s, 0);
  }

  /** A string or null: 0 for null, length + 1 otherwise. */
  optStr(s: string | null | undefined): void {
    if (s === null || s === undefined) this.uint(0);
    else this.text(s, 1);
  }

  /** Bytes written so far in this section. */
  get length(): number {
    return this.pos;
  }

  /** Appends `bytes[from, to)`, bytes an earlier encoding gave (see codec-sections.ts, value maps). */
  append(bytes: Buffer, from: number, to: number): void {
    this.room(to - from);
    this.pos += bytes.copy(this.buf, this.pos, from, to);
  }

  /** Copies the section written so far into `into` (grown when short) and returns it. */
  copyTo(into: Buffer | null): Buffer {
    const out = into !== null && into.length >= this.pos ? into : Buffer.allocUnsafeSlow(Math.max(this.pos, 256) * 2);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** The section written so far, as a buffer of its own. */
  done(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** Are these exactly the bytes written so far? */
  same(bytes: Buffer | undefined): boolean {
    return bytes !== undefined && bytes.length === this.pos && this.buf.compare(bytes, 0, bytes.length, 0, this.pos) === 0;
  }
}

export class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProfileDecodeError('section ends early');
  }

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      n += (b & 127) * scale;
      if (b < 128) return n;
      scale *= 128;
      if (scale > 2 ** 56) throw new ProfileDecodeError('varint too long');
    }
  }

  num(): number {
    const tag = this.uint();
    if (tag === FLOAT) {
      this.need(8);
      const x = this.buf.readDoubleLE(this.pos);
      this.pos += 8;
      return x;
    }
    if (tag % 2 !== 0) throw new ProfileDecodeError(`bad number tag ${tag}`);
    const z = tag / 2;
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  str(): string {
    const n = this.uint();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  optStr(): string | null {
    const n = this.uint();
    if (n === 0) return null;
    this.need(n - 1);
    const s = this.buf.toString('utf8', this.pos, this.pos + n - 1);
    this.pos += n - 1;
    return s;
  }

  end(): void {
    if (this.pos !== this.buf.length) throw new ProfileDecodeError(`${this.buf.length - this.pos} bytes left over`);
  }
}

const writer = new Writer();

/** The shared writer, started on a new section: finish it (`done`, `same`) before starting another. */
export function start(): Writer {
  return writer.reset();
}

export function open(buf: Buffer): Reader {
  const r = new Reader(buf);
  const format = r.uint();
  if (format !== FORMAT) throw new ProfileDecodeError(`unknown section format ${format}`);
  return r;
}

/** Times written as deltas only when every one of them is an integer (exact arithmetic). */
export function allIntegers(values: Iterable<number>): boolean {
  for (const v of values) if (!Number.isSafeInteger(v)) return false;
  return true;
}

export function meanVar(w: Writer, m: MeanVar): void {
  w.num(m.mean);
  w.num(m.var);
  w.num(m.n);
}

export function readMeanVar(r: Reader): MeanVar {
  return { mean: r.num(), var: r.num(), n: r.num() };
}

