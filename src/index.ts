/** Warden's public API: types and building blocks for embedding Warden and writing enforcers. */
export { WardenError, WardenValidationError, ERROR_CODES, isWardenError } from './errors.js';
export type { WardenErrorCode, ValidationIssue, SourceLocation } from './errors.js';
export type { WardenEvent, EventIdentity, EventSource, Outcome, IdentityType } from './events/event.js';
export type { Decision, Reason, Verdict, DecisionMode } from './decisions/decision.js';
export { REASON_CODES, isReasonCode } from './decisions/reason-codes.js';
export type { ReasonCode } from './decisions/reason-codes.js';
export { loadConfig, parseConfig } from './config/load.js';
export { wardenConfigSchema } from './config/schema.js';
export type { WardenConfig } from './config/schema.js';
export { WARDEN_VERSION } from './version.js';
export { createNormalizer, formatNames, FORMATS, REJECT_REASONS, DEFAULT_PRIVILEGED_ACTIONS, wardenEventSchema } from './events/index.js';
export type { Normalizer, NormalizerOptions, NormalizeResult, Reject, RejectReason, RecordOrigin } from './events/index.js';
