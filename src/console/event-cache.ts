/** The newest audit events by id (bounded, oldest dropped first), so a decision page can show its event. */
import type { WardenEvent } from '../events/event.js';

export class EventCache {
  private readonly events = new Map<string, WardenEvent>();

  constructor(private readonly capacity: number) {}

  put(event: WardenEvent): void {
    if (this.capacity <= 0) return;
    this.events.delete(event.id);
    this.events.set(event.id, event);
    if (this.events.size > this.capacity) {
      const oldest = this.events.keys().next();
      if (!oldest.done) this.events.delete(oldest.value);
    }
  }

  get(eventId: string): WardenEvent | null {
    return this.events.get(eventId) ?? null;
  }

  /** Lower-cased text of the event's source fields, for the live page's source filter. */
  sourceText(eventId: string): string | null {
    const s = this.events.get(eventId)?.source;
    if (!s) return null;
    return [s.ip, s.userAgent, s.region, s.workload, s.asn, s.country].filter(Boolean).join(' ').toLowerCase();
  }

  get size(): number {
    return this.events.size;
  }
}
