import type { AuditEventType } from '../../domain/types.js';
import { nowIso } from '../../time.js';
import type { Db } from '../database.js';
import { newId } from '../ids.js';

export interface AuditEvent {
  eventId: string;
  requestId: string;
  actor: string;
  eventType: AuditEventType;
  details: Record<string, unknown>;
  createdAt: string;
}

/** The Audit Log is append-only: there is no update or delete here on purpose. */
export async function appendAuditEvent(
  db: Db,
  event: { requestId: string; actor: string; eventType: AuditEventType; details: Record<string, unknown> },
): Promise<AuditEvent> {
  const row = {
    id: newId('evt'),
    request_id: event.requestId,
    actor: event.actor,
    event_type: event.eventType,
    details_json: JSON.stringify(event.details),
    created_at: nowIso(),
  };
  await db.insertInto('audit_events').values(row).execute();
  return {
    eventId: row.id,
    requestId: row.request_id,
    actor: row.actor,
    eventType: event.eventType,
    details: event.details,
    createdAt: row.created_at,
  };
}

export async function listAuditEvents(db: Db, requestId: string): Promise<AuditEvent[]> {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('request_id', '=', requestId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    eventId: r.id,
    requestId: r.request_id,
    actor: r.actor,
    eventType: r.event_type as AuditEventType,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}
