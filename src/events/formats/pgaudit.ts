/**
 * PostgreSQL pgaudit: `AUDIT: <type>,<statement id>,<substatement id>,<class>,<command>,
 * <object type>,<object name>,<statement>,<parameter>` after a `log_line_prefix` (stderr/syslog
 * log lines), or in the `message` of a jsonlog entry (PostgreSQL 15+). The prefix is
 * configurable in PostgreSQL, so it is read by pattern: a leading timestamp, `user@db`
 * (`%u@%d`) or `user=…,db=…`, `client=`/`host(port)`.
 */
import type { WardenEvent } from '../event.js';
import { contentId } from '../hash.js';
import { str } from '../json.js';
import type { JsonObject } from '../json.js';
import { toIsoTime } from '../time.js';
import type { FormatContext, Sink } from '../types.js';

const AUDIT_MARK = 'AUDIT: ';
const LEADING_TIME = /^\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\s*(?:[A-Z]{2,5}|[+-]\d{2}(?::?\d{2})?|Z))?)/;
const USER_AT_DB = /(?:^|[\s:\]])([A-Za-z0-9_.$-]+|"[^"]+")@([A-Za-z0-9_.$-]+|"[^"]+")(?=[\s:[,]|$)/;
const USER_KV = /\buser=([^,\s]+)/;
const DB_KV = /\bdb=([^,\s]+)/;
const HOST_KV = /\b(?:client|host)=([0-9a-fA-F.:]+)/;
const HOST_PORT = /(?:^|[\s:])(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*)\(\d+\)/;
const STATEMENT_CLASSES_READ = new Set(['READ']);

/** Splits pgaudit's CSV (double quotes, `""` escapes) into fields. */
export function splitAuditCsv(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      while (i < text.length) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      fields.push(value);
      if (text[i] === ',') i++;
      else break;
    } else {
      const comma = text.indexOf(',', i);
      if (comma === -1) {
        fields.push(text.slice(i));
        break;
      }
      fields.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
  return fields;
}

const unquote = (s: string): string => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);

interface PgContext {
  time: unknown;
  user?: string;
  database?: string;
  host?: string;
  application?: string;
}

function emit(auditText: string, pg: PgContext, idSource: string, sink: Sink, raw: unknown): void {
  const [auditType, statementId, substatementId, cls, command, objectType, objectName, statement, parameter] = splitAuditCsv(auditText);
  if (!pg.user) return sink.reject('MISSING_IDENTITY', 'pgaudit line names no database user (log_line_prefix needs %u)', raw);
  if (!command) return sink.reject('MISSING_ACTION', 'pgaudit record has no command', raw);
  if (pg.time === undefined || pg.time === null || pg.time === '') return sink.reject('MISSING_TIME', 'pgaudit line has no timestamp (log_line_prefix needs %m or %t)', raw);
  const time = toIsoTime(pg.time);
  if (!time) return sink.reject('BAD_TIMESTAMP', `pgaudit timestamp ${JSON.stringify(pg.time)} is not a valid time`, raw);
  const event: WardenEvent = {
    id: contentId(idSource),
    time,
    identity: { id: pg.user, type: 'database_user' },
    action: `postgres:${command}`,
    outcome: 'success',
  };
  if (cls) event.readOnly = STATEMENT_CLASSES_READ.has(cls);
  if (objectName) event.resource = pg.database ? `${pg.database}/${objectName}` : objectName;
  else if (pg.database) event.resource = pg.database;
  if (pg.host || pg.application) {
    event.source = {};
    if (pg.host) event.source.ip = pg.host;
    if (pg.application) event.source.workload = pg.application;
  }
  const attributes: Record<string, unknown> = {};
  if (pg.database) attributes.database = pg.database;
  if (auditType) attributes.auditType = auditType;
  if (cls) attributes.class = cls;
  if (objectType) attributes.objectType = objectType;
  if (statementId) attributes.statementId = statementId;
  if (substatementId) attributes.substatementId = substatementId;
  if (statement && !statement.startsWith('<')) attributes.statement = statement.length > 1024 ? `${statement.slice(0, 1024)}…` : statement;
  if (parameter && !parameter.startsWith('<')) attributes.parameter = parameter.length > 1024 ? `${parameter.slice(0, 1024)}…` : parameter;
  event.attributes = attributes;
  sink.event(event, raw);
}

export function looksLikePgAuditLine(line: string): boolean {
  return line.includes(AUDIT_MARK);
}

/** Normalizes one pgaudit log line (stderr/syslog form). */
export function normalizePgAuditLine(line: string, sink: Sink): void {
  const at = line.indexOf(AUDIT_MARK);
  if (at === -1) return sink.reject('UNKNOWN_FORMAT', 'not a pgaudit line: no "AUDIT: " record', line);
  const prefix = line.slice(0, at);
  const pg: PgContext = { time: LEADING_TIME.exec(prefix)?.[1] };
  const kvUser = USER_KV.exec(prefix)?.[1];
  const userAt = USER_AT_DB.exec(prefix);
  const user = kvUser ?? userAt?.[1];
  const database = DB_KV.exec(prefix)?.[1] ?? userAt?.[2];
  // `[unknown]` and empty values are what PostgreSQL prints when the field is not known yet.
  if (user && user !== '[unknown]') pg.user = unquote(user);
  if (database && database !== '[unknown]') pg.database = unquote(database);
  const host = HOST_KV.exec(prefix)?.[1] ?? HOST_PORT.exec(prefix)?.[1];
  if (host) pg.host = host;
  const app = /\bapp(?:lication)?=([^,\s]+)/.exec(prefix)?.[1];
  if (app && app !== '[unknown]') pg.application = app;
  emit(line.slice(at + AUDIT_MARK.length).trimEnd(), pg, line.trim(), sink, line);
}

export function looksLikePgAuditJson(v: JsonObject): boolean {
  return typeof v.message === 'string' && v.message.startsWith(AUDIT_MARK);
}

/** PostgreSQL jsonlog entry whose message is a pgaudit record. */
export function normalizePgAuditJson(v: JsonObject, _ctx: FormatContext, sink: Sink): void {
  const message = str(v.message) ?? '';
  if (!message.startsWith(AUDIT_MARK)) return sink.reject('MISSING_ACTION', 'jsonlog message is not a pgaudit record', v);
  const pg: PgContext = { time: v.timestamp };
  const user = str(v.user);
  if (user) pg.user = user;
  const database = str(v.dbname);
  if (database) pg.database = database;
  const host = str(v.remote_host);
  if (host) pg.host = host;
  const app = str(v.application_name);
  if (app) pg.application = app;
  emit(message.slice(AUDIT_MARK.length), pg, JSON.stringify(v), sink, v);
}
