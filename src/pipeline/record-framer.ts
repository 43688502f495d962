/**
 * Splits a text stream into audit records without holding more than one record in memory.
 *
 * - NDJSON and log files: one record per line (a broken line costs only that line).
 * - Pretty-printed JSON: a value spanning many lines is one record. The mode is decided by the
 *   first record: if it closes on the line it started on, the file is line-oriented.
 * - A top-level JSON array, and the `Records` array of a CloudTrail log file
 *   (`{"Records":[…]}`), are streamed element by element, so a file of any size is read in
 *   constant memory and each element is one record with its own line number.
 * - Lines that are not JSON (pgaudit log lines) are records of their own.
 */

export interface FramedRecord {
  record: string;
  /** 1-based line where the record starts. */
  line: number;
}

export interface RecordFramerOptions {
  /** Records longer than this many characters are cut here (they are rejected as TOO_LARGE anyway). */
  maxRecordChars?: number;
}

const RECORDS_PREFIX = /^\{\s*"Records"\s*:\s*$/;
const enum Mode { Undecided, Line, Document }

export class RecordFramer {
  private mode = Mode.Undecided;
  private line = 1;
  private depth = 0;
  private inString = false;
  private escape = false;
  private kind: 'none' | 'json' | 'text' | 'scalar' = 'none';
  private parts: string[] = [];
  private partsLength = 0;
  private recordLine = 0;
  /** Depth at which streamed elements live (1: top-level array, 2: CloudTrail Records); 0 when not streaming. */
  private elementBase = 0;
  /** Inside a streamed container but past its element array (rest of a `{"Records":[…], …}`). */
  private skippingTail = false;
  private containerLine = 0;
  private readonly maxChars: number;

  constructor(options: RecordFramerOptions = {}) {
    this.maxChars = options.maxRecordChars ?? 16 * 1024 * 1024;
  }

  private append(text: string): void {
    if (text === '' || this.partsLength >= this.maxChars) return;
    const room = this.maxChars - this.partsLength;
    const piece = text.length > room ? text.slice(0, room) : text;
    this.parts.push(piece);
    this.partsLength += piece.length;
  }

  private emit(out: FramedRecord[]): void {
    const record = this.parts.join('').trimEnd();
    if (record !== '') out.push({ record, line: this.recordLine });
    if (this.mode === Mode.Undecided) {
      const startLine = this.elementBase > 0 ? this.containerLine : this.recordLine;
      this.mode = this.kind === 'text' || this.line === startLine ? Mode.Line : Mode.Document;
    }
    this.parts = [];
    this.partsLength = 0;
    this.kind = 'none';
  }

  private resetContainer(): void {
    this.elementBase = 0;
    this.skippingTail = false;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
  }

  /** Feeds a chunk of text; returns the records completed by it. */
  push(chunk: string): FramedRecord[] {
    const out: FramedRecord[] = [];
    // Index in chunk where the current record's not yet appended text begins.
    let start = this.kind === 'none' ? -1 : 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10 /* \n */) {
        if (this.kind === 'text' || (this.mode === Mode.Line && this.kind !== 'none')) {
          if (start >= 0) this.append(chunk.slice(start, i));
          start = -1;
          this.emit(out);
          if (this.depth > 0 && this.mode === Mode.Line) this.resetContainer();
        } else if (this.mode === Mode.Line && this.elementBase > 0) {
          this.resetContainer();
        }
        this.line++;
        continue;
      }
      if (this.kind === 'text') continue;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92 /* \ */) this.escape = true;
        else if (c === 34 /* " */) this.inString = false;
        continue;
      }
      if (this.kind === 'none') {
        if (c === 32 || c === 9 || c === 13 || c === 0xfeff) continue;
        if (this.elementBase > 0 && !this.skippingTail && this.depth === this.elementBase) {
          if (c === 44 /* , */) continue;
          if (c === 93 /* ] */) {
            this.depth--;
            if (this.depth === 0) this.resetContainer();
            else this.skippingTail = true;
            continue;
          }
        }
        if (this.skippingTail) {
          if (c === 34) this.inString = true;
          else if (c === 123 || c === 91) this.depth++;
          else if (c === 125 || c === 93) {
            this.depth--;
            if (this.depth === 0) this.resetContainer();
          }
          continue;
        }
        this.recordLine = this.line;
        start = i;
        if (c === 123 /* { */ || c === 91 /* [ */) {
          if (this.depth === 0 && c === 91) {
            // Top-level array: stream its elements.
            this.elementBase = 1;
            this.depth = 1;
            this.containerLine = this.line;
            start = -1;
            continue;
          }
          this.kind = 'json';
          this.depth++;
        } else if (this.elementBase > 0) {
          this.kind = 'scalar';
          if (c === 34) this.inString = true;
        } else {
          this.kind = 'text';
        }
        continue;
      }
      // Inside a JSON record (or scalar array element).
      if (c === 34) {
        this.inString = true;
      } else if (c === 123 || c === 91) {
        if (c === 91 && this.depth === 1 && this.elementBase === 0 && this.kind === 'json') {
          const prefix = this.parts.join('') + chunk.slice(start, i);
          if (RECORDS_PREFIX.test(prefix)) {
            // CloudTrail log file: stream the Records array.
            this.parts = [];
            this.partsLength = 0;
            this.kind = 'none';
            this.elementBase = 2;
            this.depth = 2;
            this.containerLine = this.recordLine;
            start = -1;
            continue;
          }
        }
        this.depth++;
      } else if (c === 125 || c === 93) {
        if (this.kind === 'scalar') {
          // `]` closing the container right after a scalar element.
          if (start >= 0) this.append(chunk.slice(start, i));
          start = -1;
          this.emit(out);
          i--;
          continue;
        }
        this.depth--;
        if (this.depth === this.elementBase) {
          if (start >= 0) this.append(chunk.slice(start, i + 1));
          start = -1;
          this.emit(out);
        }
      } else if (c === 44 && this.kind === 'scalar') {
        if (start >= 0) this.append(chunk.slice(start, i));
        start = -1;
        this.emit(out);
      }
    }
    if (start >= 0 && this.kind !== 'none') this.append(chunk.slice(start));
    return out;
  }

  /** Line where the record being read started, when one is in progress (a cut input loses it). */
  pendingLine(): number | undefined {
    return this.kind === 'none' ? undefined : this.recordLine;
  }

  /** Flushes what is left at the end of the input (an unterminated record is still a record). */
  end(): FramedRecord[] {
    const out: FramedRecord[] = [];
    if (this.kind !== 'none') this.emit(out);
    this.resetContainer();
    return out;
  }
}
