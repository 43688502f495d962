/** Prometheus metrics of `warden sinks` (prom-client), on their own registry. */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface SinkMetrics {
  registry: Registry;
  /** Decisions read, by verdict (`allow` skipped by header, unparsed). */
  decisionsRead: Counter<'verdict'>;
  /** Alert and block decisions ignored because their signature does not verify, by status. */
  signatureInvalid: Counter<'status'>;
  notifySent: Counter<'target'>;
  /** Failed attempts (each one, retried or not), by target. */
  notifyFailed: Counter<'target'>;
  notifySuppressed: Counter;
  notifyDeadLettered: Counter<'target'>;
  findingsWritten: Counter<'sink'>;
}

export function createSinkMetrics(options: { defaultMetrics?: boolean } = {}): SinkMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'warden_sinks_' });
  const registers = [registry];
  return {
    registry,
    decisionsRead: new Counter({ name: 'warden_sinks_decisions_total', help: 'Decisions read by warden sinks, by verdict', labelNames: ['verdict'], registers }),
    signatureInvalid: new Counter({ name: 'warden_sinks_signature_invalid_total', help: 'Alert and block decisions ignored because their signature does not verify, by status', labelNames: ['status'], registers }),
    notifySent: new Counter({ name: 'warden_notify_sent_total', help: 'Notifications delivered, by target', labelNames: ['target'], registers }),
    notifyFailed: new Counter({ name: 'warden_notify_failed_total', help: 'Failed notification attempts (retried or not), by target', labelNames: ['target'], registers }),
    notifySuppressed: new Counter({ name: 'warden_notify_suppressed_total', help: 'Notifications suppressed as repeats of one identity and reason within the dedup window', registers }),
    notifyDeadLettered: new Counter({ name: 'warden_notify_dead_lettered_total', help: 'Notifications dead-lettered after their last attempt failed, by target', labelNames: ['target'], registers }),
    findingsWritten: new Counter({ name: 'warden_ocsf_findings_total', help: 'OCSF Detection Findings written, by sink (topic, file)', labelNames: ['sink'], registers }),
  };
}
