/**
 * Audit events in: one normalizer per source format behind a single entry point. Pure: no I/O,
 * never throws, whatever the bytes; a record that cannot be normalized becomes a Reject that
 * carries the original bytes and where they came from.
 */
import type { z } from 'zod';
import { eventsSchema } from '../config/sections/events.js';
import type { EventsConfig } from '../config/sections/events.js';
import { WardenError } from '../errors.js';
import type { WardenEvent } from './event.js';
import { withEventLayout } from './event.js';
import { detectFormat } from './detect.js';
import { normalizeCloudTrail } from './formats/cloudtrail.js';
import { compileMapping } from './formats/generic.js';
import { normalizeGcp } from './formats/gcp.js';
import { normalizeGitHub } from './formats/github.js';
import { normalizeK8s } from './formats/k8s.js';
import { normalizeOcsf } from './formats/ocsf.js';
import { looksLikePgAuditLine, normalizePgAuditJson, normalizePgAuditLine } from './formats/pgaudit.js';
import { normalizeWarden } from './formats/warden.js';
import { bracketsAtMost, depthExceeds, isObject } from './json.js';
import type { JsonObject } from './json.js';
import { compilePrivileged, DEFAULT_PRIVILEGED_ACTIONS } from './privileged.js';
import { keepOriginalRecord } from './original.js';
import type { FormatContext, FormatNormalizer, NormalizeResult, RecordOrigin, Reject, RejectReason, Sink } from './types.js';

export type { NormalizeResult, RecordOrigin, Reject, RejectReason, FormatContext } from './types.js';
export { REJECT_REASONS } from './types.js';
export { DEFAULT_PRIVILEGED_ACTIONS, compilePrivileged } from './privileged.js';
export { wardenEventSchema } from './formats/warden.js';
export { toIsoTime } from './time.js';
export { originalRecordOf } from './original.js';
export type { WardenEvent } from './event.js';

/** Built-in formats; generic mappings add their own names. */
export const FORMATS: readonly string[] = Object.freeze(['cloudtrail', 'k8s', 'github', 'gcp', 'ocsf', 'pgaudit', 'warden']);

export type Normalizer = (record: string | Uint8Array, origin: RecordOrigin) => NormalizeResult;

export interface NormalizerOptions {
  /** `auto` (default) detects each record's format; a format or mapping name forces it. */
  format?: string;
  /** The `events` config section (privileged actions, mappings, limits); defaults when absent. */
  events?: z.input<typeof eventsSchema> | EventsConfig;
  /**
   * Keep a reference to each event's parsed original record (`originalRecordOf`), which Sigma
   * rules read (docs/sigma.md). Costs one property per event; a caller that never decides with
   * Sigma rules (`warden normalize`, `warden run` without `sigma.dirs`) turns it off. @defaultValue true
   */
  keepOriginal?: boolean;
}

const BUILT_IN: Record<string, FormatNormalizer> = {
  cloudtrail: normalizeCloudTrail,
  k8s: normalizeK8s,
  github: normalizeGitHub,
  gcp: normalizeGcp,
  ocsf: normalizeOcsf,
  pgaudit: normalizePgAuditJson,
  warden: normalizeWarden,
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The record's text, or undefined when its bytes are not valid UTF-8. */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** How a reject keeps bytes that are not UTF-8 text. */
function base64Raw(bytes: Uint8Array): string {
  return `base64:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

/** Names accepted by `--format` with this config: `auto`, the built-ins and each mapping. */
export function formatNames(events?: NormalizerOptions['events']): string[] {
  const config = eventsSchema.parse(events ?? {});
  return ['auto', ...FORMATS, ...config.mappings.map((m) => m.name)];
}

/** Builds a normalizer; everything config decides is compiled here, once. */
export function createNormalizer(options: NormalizerOptions = {}): Normalizer {
  const parsed = eventsSchema.safeParse(options.events ?? {});
  if (!parsed.success) {
    throw new WardenError('WARDEN_CONFIG_INVALID', `events config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const config = parsed.data;
  const mappings = config.mappings.map(compileMapping);
  const normalizers: Record<string, FormatNormalizer> = { ...BUILT_IN };
  for (const m of mappings) normalizers[m.name] = m.normalize;
  const format = options.format ?? 'auto';
  if (format !== 'auto' && !(format in normalizers)) {
    throw new WardenError('WARDEN_USAGE', `unknown format "${format}"; expected one of: ${['auto', ...Object.keys(normalizers)].join(', ')}`);
  }
  const ctx: FormatContext = {
    privileged: compilePrivileged([...(config.privilegedActions ?? DEFAULT_PRIVILEGED_ACTIONS), ...config.extraPrivilegedActions]),
    k8sStages: new Set(config.k8sStages),
  };
  const { maxRecordBytes, maxDepth, keepRaw } = config;
  const compiled: Compiled = { format, mappings, normalizers, ctx, keepRaw, keepOriginal: options.keepOriginal ?? true };

  return function normalize(record, origin) {
    const out = new RecordOutput(compiled, origin);
    const size = typeof record === 'string' ? record.length : record.byteLength;
    if (size > maxRecordBytes || (typeof record === 'string' && size * 3 > maxRecordBytes && Buffer.byteLength(record) > maxRecordBytes)) {
      const raw = typeof record === 'string' ? record : (decodeUtf8(record) ?? base64Raw(record));
      out.add('TOO_LARGE', `record is larger than ${maxRecordBytes} bytes`, null, raw);
      return { events: out.events, rejects: out.rejects };
    }
    let text: string;
    if (typeof record === 'string') text = record;
    else {
      const decoded = decodeUtf8(record);
      if (decoded === undefined) {
        out.add('MALFORMED_JSON', 'record is not valid UTF-8', null, base64Raw(record));
        return { events: out.events, rejects: out.rejects };
      }
      text = decoded;
    }
    out.rawText = text;
    try {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const trimmed = text.trim();
      if (trimmed === '') return { events: out.events, rejects: out.rejects };
      out.current = format === 'auto' ? null : format;
      const first = trimmed.charCodeAt(0);
      const looksJson = first === 0x7b /* { */ || first === 0x5b; /* [ */
      if (!looksJson && (format === 'pgaudit' || (format === 'auto' && looksLikePgAuditLine(trimmed)))) {
        out.format = 'pgaudit';
        normalizePgAuditLine(trimmed, out);
        return { events: out.events, rejects: out.rejects, skipped: out.skipped };
      }
      let root: unknown;
      try {
        root = JSON.parse(trimmed);
      } catch (err) {
        // A pgaudit line whose log_line_prefix starts with `[` (e.g. `[%p]`) is not broken JSON.
        if (format === 'auto' && looksLikePgAuditLine(trimmed)) {
          out.format = 'pgaudit';
          normalizePgAuditLine(trimmed, out);
          return { events: out.events, rejects: out.rejects };
        }
        out.add('MALFORMED_JSON', `not valid JSON: ${(err as Error).message}`, out.current, out.rawText);
        return { events: out.events, rejects: out.rejects };
      }
      out.root = root;
      if (typeof root === 'object' && root !== null && !bracketsAtMost(trimmed, maxDepth) && depthExceeds(root, maxDepth)) {
        out.add('TOO_DEEP', `JSON nests deeper than ${maxDepth} levels`, out.current, out.rawText);
        return { events: out.events, rejects: out.rejects };
      }
      if (Array.isArray(root)) for (let i = 0; i < root.length; i++) out.dispatch(root[i], `[${i}]`);
      else out.dispatch(root, 'record');
    } catch (err) {
      // Defence in depth: a normalizer bug must cost one record (kept as a reject), not the stream.
      out.events.length = 0;
      out.add('INVALID_EVENT', `could not normalize: ${(err as Error)?.message ?? String(err)}`, null, out.rawText);
    }
    return out.skipped > 0 ? { events: out.events, rejects: out.rejects, skipped: out.skipped } : { events: out.events, rejects: out.rejects };
  };
}

/** What a normalizer compiles once from its options and config, shared by every record. */
interface Compiled {
  /** `auto` or the forced format. */
  format: string;
  mappings: ReturnType<typeof compileMapping>[];
  normalizers: Record<string, FormatNormalizer>;
  ctx: FormatContext;
  keepRaw: boolean;
  keepOriginal: boolean;
}

/**
 * One record's output, and the sink its format normalizers write to. One object per record with
 * its methods on the prototype rather than closures made for every record: this is the hot path
 * of `warden run`. The format normalizers are synchronous, so one sink serves every element of a
 * record, `format` naming the format of the element being normalized.
 */
class RecordOutput implements Sink {
  readonly events: WardenEvent[] = [];
  readonly rejects: Reject[] = [];
  skipped = 0;
  /** The record's text as read (a reject of the whole record keeps it). */
  rawText = '';
  /** The parsed record, once parsed. */
  root: unknown = undefined;
  /** The format the record was last read as: forced, or detected for the last element; null when none was yet. */
  current: string | null = null;
  /** The format of the element a normalizer is writing. */
  format = '';

  constructor(
    private readonly compiled: Compiled,
    private readonly origin: RecordOrigin,
  ) {}

  add(reason: RejectReason, message: string, format: string | null, raw: string): void {
    this.rejects.push({ reason, message, format, origin: this.origin, raw });
  }

  /** Hands one parsed element (the record, or an item of a top-level array) to its format's normalizer. */
  dispatch(value: unknown, where: string): void {
    if (!isObject(value)) {
      this.add('INVALID_EVENT', `${where} is not a JSON object`, this.current, value === this.root ? this.rawText : (JSON.stringify(value) ?? ''));
      return;
    }
    const { format, mappings, normalizers, ctx } = this.compiled;
    const fmt = format === 'auto' ? detectFormat(value as JsonObject, mappings) : format;
    if (fmt === null) {
      this.add('UNKNOWN_FORMAT', `${where} matches no known audit format`, null, value === this.root ? this.rawText : JSON.stringify(value));
      return;
    }
    this.current = fmt;
    this.format = fmt;
    (normalizers[fmt] as FormatNormalizer)(value, ctx, this);
  }

  event(built: WardenEvent, source: unknown): void {
    const { ctx, keepRaw, keepOriginal } = this.compiled;
    const fmt = this.format;
    // The native parser builds events in the one layout; other formats' are copied into it.
    const event = fmt === 'warden' ? built : withEventLayout(built);
    if (event.privileged === undefined) event.privileged = ctx.privileged(event.action);
    if (event.sourceFormat === undefined) event.sourceFormat = fmt;
    if (keepRaw) event.raw = source;
    // The native format's source is the event itself: nothing more original to keep.
    if (keepOriginal && fmt !== 'warden') keepOriginalRecord(event, source);
    this.events.push(event);
  }

  reject(reason: RejectReason, message: string, element?: unknown): void {
    const raw = element === undefined || element === this.root ? this.rawText : typeof element === 'string' ? element : JSON.stringify(element) ?? String(element);
    this.add(reason, message, this.format, raw);
  }

  skip(): void {
    this.skipped++;
  }
}
