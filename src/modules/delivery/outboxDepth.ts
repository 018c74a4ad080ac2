import type { Db } from '../../platform/db';
import { OUTBOX_KINDS, type MessageKind } from './kinds';

export type OutboxDepth = { kind: MessageKind; queued: number; oldestSeconds: number };

/**
 * For /metrics: per kind, how many messages are queued and how long the longest-waiting one has been due
 * (0 when none is due yet: an alert waits five minutes on purpose, a retry waits for its backoff). Each
 * table's partial index on queued rows answers it without touching the sent ones.
 */
export const outboxDepth = (db: Db) =>
  db.query<OutboxDepth>(
    OUTBOX_KINDS.map(
      ({ kind, table }) =>
        `SELECT '${kind}' AS kind, count(*) AS queued,
           coalesce(greatest(extract(epoch FROM now() - min(next_attempt_at)), 0), 0)::float8 AS "oldestSeconds"
         FROM ${table} WHERE status = 'queued'`,
    ).join(' UNION ALL '),
  );
