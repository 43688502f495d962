/**
 * Decode → verify → apply for one approvals table, with counts, and a log line for every record
 * that is not applied: a forged or unsigned record is ignored, counted and logged, never applied.
 */
import type { Verifier } from '../decisions/signing.js';
import type { Logger } from '../observability/logger.js';
import { decodeApprovalMessage } from './decoder.js';
import type { ApprovalTable } from './grants.js';

export interface ApprovalIntakeStats {
  applied: number;
  /** Unsigned, forged, malformed or mis-keyed records. */
  rejected: number;
  /** Validly signed records no newer than the one held for their request. */
  outOfDate: number;
}

export class ApprovalIntake {
  readonly stats: ApprovalIntakeStats = { applied: 0, rejected: 0, outOfDate: 0 };

  constructor(
    private readonly verifier: Verifier,
    private readonly table: ApprovalTable,
    private readonly logger: Logger,
  ) {}

  take(key: Buffer | null, value: Buffer | null, offset?: string): void {
    const decoded = decodeApprovalMessage(key, value, this.verifier);
    if (!decoded.ok) {
      if (decoded.reason === 'tombstone') return;
      this.stats.rejected++;
      this.logger.warn({ offset, reason: decoded.reason, detail: decoded.detail }, 'approval record rejected, not applied');
      return;
    }
    if (this.table.apply(decoded.record) === 'applied') this.stats.applied++;
    else {
      this.stats.outOfDate++;
      this.logger.warn({ offset, id: decoded.record.id, version: decoded.record.version }, 'approval record no newer than the one held, ignored');
    }
  }
}
