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
import { detectFormat } from './detect.js';
import { normalizeCloudTrail } from './formats/cloudtrail.js';
import { compileMapping } from './formats/generic.js';
import { normalizeGcp } from './formats/gcp.js';
import { normalizeGitHub } from './formats/github.js';
import { normalizeK8s } from './formats/k8s.js';
import { normalizeOcsf } from './formats/ocsf.js';
import { looksLikePgAuditLine, normalizePgAuditJson, normalizePgAuditLine } from './formats/pgaudit.js';
import { normalizeWarden } from './formats/warden.js';
import { depthExceeds, isObject } from './json.js';
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

function bytesToText(bytes: Uint8Array): { text: string } | { raw: string } {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { raw: `base64:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}` };
  }
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
  const keepOriginal = options.keepOriginal ?? true;

  return function normalize(record, origin) {
    const events: WardenEvent[] = [];
    const rejects: Reject[] = [];
    let skipped = 0;
    let text: string;
    let rawText: string;
    const reject = (reason: RejectReason, message: string, fmt: string | null, raw: string): void => {
      rejects.push({ reason, message, format: fmt, origin, raw });
    };
    const size = typeof record === 'string' ? record.length : record.byteLength;
    if (size > maxRecordBytes || (typeof record === 'string' && size * 3 > maxRecordBytes && Buffer.byteLength(record) > maxRecordBytes)) {
      const raw = typeof record === 'string' ? record : (() => { const d = bytesToText(record); return 'text' in d ? d.text : d.raw; })();
      reject('TOO_LARGE', `record is larger than ${maxRecordBytes} bytes`, null, raw);
      return { events, rejects };
    }
    if (typeof record === 'string') {
      text = record;
      rawText = record;
    } else {
      const decoded = bytesToText(record);
      if ('raw' in decoded) {
        reject('MALFORMED_JSON', 'record is not valid UTF-8', null, decoded.raw);
        return { events, rejects };
      }
      text = decoded.text;
      rawText = text;
    }
    try {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const trimmed = text.trim();
      if (trimmed === '') return { events, rejects };
      let current: string | null = format === 'auto' ? null : format;
      let root: unknown;
      const makeSink = (fmt: string): Sink => ({
        event(event, source) {
          if (event.privileged === undefined) event.privileged = ctx.privileged(event.action);
          if (event.sourceFormat === undefined) event.sourceFormat = fmt;
          if (keepRaw) event.raw = source;
          // The native format's source is the event itself: nothing more original to keep.
          if (keepOriginal && fmt !== 'warden') keepOriginalRecord(event, source);
          events.push(event);
        },
        reject(reason, message, element) {
          const raw = element === undefined || element === root ? rawText : typeof element === 'string' ? element : JSON.stringify(element) ?? String(element);
          reject(reason, message, fmt, raw);
        },
        skip() {
          skipped++;
        },
      });
      const first = trimmed.charCodeAt(0);
      const looksJson = first === 0x7b /* { */ || first === 0x5b; /* [ */
      if (!looksJson && (format === 'pgaudit' || (format === 'auto' && looksLikePgAuditLine(trimmed)))) {
        normalizePgAuditLine(trimmed, makeSink('pgaudit'));
        return { events, rejects, skipped };
      }
      try {
        root = JSON.parse(trimmed);
      } catch (err) {
        // A pgaudit line whose log_line_prefix starts with `[` (e.g. `[%p]`) is not broken JSON.
        if (format === 'auto' && looksLikePgAuditLine(trimmed)) {
          normalizePgAuditLine(trimmed, makeSink('pgaudit'));
          return { events, rejects };
        }
        reject('MALFORMED_JSON', `not valid JSON: ${(err as Error).message}`, current, rawText);
        return { events, rejects };
      }
      if (typeof root === 'object' && root !== null && depthExceeds(root, maxDepth)) {
        reject('TOO_DEEP', `JSON nests deeper than ${maxDepth} levels`, current, rawText);
        return { events, rejects };
      }
      const dispatch = (value: unknown, where: string): void => {
        if (!isObject(value)) {
          reject('INVALID_EVENT', `${where} is not a JSON object`, current, value === root ? rawText : (JSON.stringify(value) ?? ''));
          return;
        }
        const fmt = format === 'auto' ? detectFormat(value as JsonObject, mappings) : format;
        if (fmt === null) {
          reject('UNKNOWN_FORMAT', `${where} matches no known audit format`, null, value === root ? rawText : JSON.stringify(value));
          return;
        }
        current = fmt;
        (normalizers[fmt] as FormatNormalizer)(value, ctx, makeSink(fmt));
      };
      if (Array.isArray(root)) root.forEach((item, i) => dispatch(item, `[${i}]`));
      else dispatch(root, 'record');
    } catch (err) {
      // Defence in depth: a normalizer bug must cost one record (kept as a reject), not the stream.
      events.length = 0;
      reject('INVALID_EVENT', `could not normalize: ${(err as Error)?.message ?? String(err)}`, null, rawText);
    }
    return skipped > 0 ? { events, rejects, skipped } : { events, rejects };
  };
}
