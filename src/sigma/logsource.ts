/**
 * The Sigma log sources Warden evaluates, and the source format (src/events/formats/) whose
 * original records each one describes.
 */

export interface SupportedLogSource {
  readonly product: string;
  readonly service: string;
  /** `sourceFormat` of the events whose original records the rules read. */
  readonly format: string;
  /** Fields that name the action in these records: a rule that looks only at them is not conditional. */
  readonly actionFields: ReadonlySet<string>;
  /**
   * The field rules are indexed by: a rule whose condition needs this field to equal one of a few
   * values is only evaluated on records holding one of them (most rules name their event).
   */
  readonly indexField: string;
}

export const SUPPORTED_LOG_SOURCES: readonly SupportedLogSource[] = Object.freeze([
  { product: 'aws', service: 'cloudtrail', format: 'cloudtrail', actionFields: new Set(['eventName', 'eventSource']), indexField: 'eventName' },
  { product: 'kubernetes', service: 'audit', format: 'k8s', actionFields: new Set(['verb', 'objectRef.resource', 'objectRef.subresource', 'objectRef.apiGroup']), indexField: 'objectRef.resource' },
  { product: 'github', service: 'audit', format: 'github', actionFields: new Set(['action']), indexField: 'action' },
  { product: 'gcp', service: 'gcp.audit', format: 'gcp', actionFields: new Set(['protoPayload.methodName', 'protoPayload.serviceName']), indexField: 'protoPayload.methodName' },
]);

/** What a rule's `logsource` says (lower-cased, as Sigma compares them). */
export interface LogSourceSpec {
  product?: string | undefined;
  service?: string | undefined;
  category?: string | undefined;
}

/** The supported log source a rule's `logsource` names, or why it is not one. */
export function resolveLogSource(spec: LogSourceSpec): SupportedLogSource | string {
  const product = spec.product?.toLowerCase();
  const service = spec.service?.toLowerCase();
  const category = spec.category?.toLowerCase();
  const supported = SUPPORTED_LOG_SOURCES.map((s) => `${s.product}/${s.service}`).join(', ');
  const found = SUPPORTED_LOG_SOURCES.find((s) => s.product === product && s.service === service);
  // `application` is the generic category rule repositories give application logs; any other
  // category names a different kind of record than the service's audit log.
  if (found && (category === undefined || category === 'application')) return found;
  if (found) return `logsource category "${category}" of ${product}/${service} is not supported (only none or "application")`;
  const named = Object.entries({ product, service, category }).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`).join(', ');
  return `logsource {${named}} is not supported (supported: ${supported})`;
}
