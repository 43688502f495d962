/**
 * Per-record format detection. Order matters: envelope shapes that are unambiguous come first
 * (CloudTrail, Kubernetes, GCP), then declared generic mappings, then OCSF (`class_uid`), then
 * the looser shapes.
 */
import { looksLikeCloudTrail } from './formats/cloudtrail.js';
import { looksLikeGcp } from './formats/gcp.js';
import { looksLikeGitHub } from './formats/github.js';
import { looksLikeK8s } from './formats/k8s.js';
import { looksLikeOcsf } from './formats/ocsf.js';
import { looksLikePgAuditJson } from './formats/pgaudit.js';
import { looksLikeWarden } from './formats/warden.js';
import type { CompiledMapping } from './formats/generic.js';
import type { JsonObject } from './json.js';

/** Name of the format of a parsed JSON object, or null when nothing matches. */
export function detectFormat(v: JsonObject, mappings: readonly CompiledMapping[]): string | null {
  if (looksLikeCloudTrail(v)) return 'cloudtrail';
  if (looksLikeK8s(v)) return 'k8s';
  if (looksLikeGcp(v)) return 'gcp';
  for (const m of mappings) if (m.detect(v)) return m.name;
  // After the mappings: a user's own mapping of an OCSF class wins over the built-in reader.
  if (looksLikeOcsf(v)) return 'ocsf';
  if (looksLikeWarden(v)) return 'warden';
  if (looksLikeGitHub(v)) return 'github';
  if (looksLikePgAuditJson(v)) return 'pgaudit';
  return null;
}
