import type { Db, Tx } from '../../platform/db';
import type { SettleWith } from '../delivery';
import { toPgArray } from '../../platform/pgArray';

export type Endpoint = {
  id: string;
  url: string;
  description: string;
  format: 'standard' | 'slack';
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  lastSuccessAt: Date | null;
  previousSecretUntil: Date | null;
  createdAt: Date;
};

export type LogEntry = {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  nextAttemptAt: Date;
  cursorAt: string;
  statusCode: number | null;
  latencyMs: number | null;
};

export type Attempt = {
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
};

const ENDPOINT = `id, url, description, format, events, enabled, disabled_reason AS "disabledReason",
  disabled_at AS "disabledAt", last_success_at AS "lastSuccessAt", previous_secret_until AS "previousSecretUntil",
  created_at AS "createdAt"`;

/** The only place that touches the webhooks tables; every statement is scoped to the workspace. */
/** How far `last_success_at` may trail an endpoint's latest success (see attemptRecord). */
export const SUCCESS_RESOLUTION_MS = 1000;

/**
 * One attempt's log line, and what it makes of the endpoint, as CTEs for the outbox statement that settles the
 * delivery (one statement, one commit; see delivery's `SettleWith`):
 * - `succeeded`: `last_success_at`, to the second: every success of an endpoint would otherwise update its one
 *   row, each delivery's commit waiting on the last one's (held through its WAL flush). So once a second at
 *   most; it is never more than SUCCESS_RESOLUTION_MS behind the latest success, never ahead.
 * - `disable`: the endpoint disabled (if it still was), and then one notice per owner and admin.
 */
export function attemptRecord(
  deliveryId: string,
  a: { status?: number; latencyMs: number; excerpt?: string; error?: string },
  endpoint: { succeeded?: string; disable?: { workspaceId: string; endpointId: string }; reason?: string } = {},
): SettleWith {
  const ctes = [
    `webhook_attempt AS (
       INSERT INTO webhook_attempts (workspace_id, delivery_id, status_code, latency_ms, response_excerpt, error)
       SELECT workspace_id, :hookDeliveryId, :hookStatus, :hookLatencyMs, :hookExcerpt, :hookError
       FROM webhook_deliveries WHERE id = :hookDeliveryId)`,
  ];
  if (endpoint.succeeded)
    ctes.push(`webhook_success AS (
       UPDATE webhook_endpoints SET last_success_at = greatest(last_success_at, now())
       WHERE id = :hookEndpointId
         AND (last_success_at IS NULL OR last_success_at < now() - make_interval(secs => :hookResolution)))`);
  if (endpoint.disable)
    ctes.push(
      `webhook_disabled AS (
         UPDATE webhook_endpoints SET enabled = false, disabled_reason = :hookReason, disabled_at = now(), updated_at = now()
         WHERE workspace_id = :hookWorkspaceId AND id = :hookEndpointId AND enabled
         RETURNING id)`,
      `webhook_notice AS (
         INSERT INTO webhook_notices (workspace_id, endpoint_id, user_id, reason)
         SELECT :hookWorkspaceId, d.id, m.user_id, :hookReason FROM webhook_disabled d
         JOIN memberships m ON m.workspace_id = :hookWorkspaceId AND m.role IN ('owner', 'admin'))`,
    );
  return {
    ctes: ctes.join(',\n'),
    params: {
      hookDeliveryId: deliveryId,
      hookStatus: a.status ?? null,
      hookLatencyMs: a.latencyMs,
      hookExcerpt: a.excerpt ?? null,
      hookError: a.error ?? null,
      hookEndpointId: endpoint.succeeded ?? endpoint.disable?.endpointId ?? null,
      hookWorkspaceId: endpoint.disable?.workspaceId ?? null,
      hookReason: endpoint.reason ?? null,
      hookResolution: SUCCESS_RESOLUTION_MS / 1000,
    },
  };
}

export const webhooksRepository = (db: Db) => ({
  list: (workspaceId: string) =>
    db.query<Endpoint>(
      `SELECT ${ENDPOINT} FROM webhook_endpoints WHERE workspace_id = :workspaceId ORDER BY created_at`,
      {
        workspaceId,
      },
    ),

  find: (workspaceId: string, id: string, tx?: Tx) =>
    db.one<Endpoint>(
      `SELECT ${ENDPOINT} FROM webhook_endpoints WHERE workspace_id = :workspaceId AND id = :id`,
      { workspaceId, id },
      tx,
    ),

  insert: async (
    workspaceId: string,
    e: { url: string; description: string; format: string; events: string[]; secretSealed: string | null },
    tx?: Tx,
  ) =>
    (await db.one<{ id: string }>(
      `INSERT INTO webhook_endpoints (workspace_id, url, description, format, events, secret_sealed)
       VALUES (:workspaceId, :url, :description, :format, :events::text[], :secretSealed) RETURNING id`,
      { workspaceId, ...e, events: toPgArray(e.events) },
      tx,
    ))!.id,

  /** Changing the URL or the events keeps the secret and the log. */
  update: (workspaceId: string, id: string, e: { url: string; description: string; events: string[] }, tx?: Tx) =>
    db.execute(
      `UPDATE webhook_endpoints SET url = :url, description = :description, events = :events::text[], updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id`,
      { workspaceId, id, ...e, events: toPgArray(e.events) },
      tx,
    ),

  /** The new secret signs from now on; the old one also signs for `graceHours`, so receivers can switch over. */
  rotate: (workspaceId: string, id: string, secretSealed: string, graceHours: number, tx?: Tx) =>
    db.execute(
      `UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed,
         previous_secret_until = now() + make_interval(hours => :graceHours), secret_sealed = :secretSealed, updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id AND format = 'standard'`,
      { workspaceId, id, secretSealed, graceHours },
      tx,
    ),

  enable: (workspaceId: string, id: string, tx?: Tx) =>
    db.execute(
      `UPDATE webhook_endpoints SET enabled = true, disabled_reason = NULL, disabled_at = NULL, updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id`,
      { workspaceId, id },
      tx,
    ),

  /** Disabled now (by a person, or by the worker); returns whether it was enabled until this statement. */
  disable: async (workspaceId: string, id: string, reason: string, tx?: Tx) =>
    (await db.execute(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = :reason, disabled_at = now(), updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id AND enabled`,
      { workspaceId, id, reason },
      tx,
    )) > 0,

  remove: (workspaceId: string, id: string, tx?: Tx) =>
    db.execute(`DELETE FROM webhook_endpoints WHERE workspace_id = :workspaceId AND id = :id`, { workspaceId, id }, tx),

  /** "Send test event": an event for this endpoint alone, queued with its delivery. */
  queueTest: (workspaceId: string, endpointId: string, type: string, data: object) =>
    db.transaction(async (tx) => {
      const event = await db.one<{ id: string }>(
        `INSERT INTO webhook_events (workspace_id, type, payload)
         VALUES (:workspaceId, :type, jsonb_build_object('type', :type::text,
           'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', :data::jsonb))
         RETURNING id`,
        { workspaceId, type, data: JSON.stringify(data) },
        tx,
      );
      await db.execute(
        `INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id) VALUES (:workspaceId, :endpointId, :eventId)`,
        { workspaceId, endpointId, eventId: event!.id },
        tx,
      );
    }),

  /** Newest first, keyset-paged, with what the last attempt said. */
  log: (workspaceId: string, endpointId: string, limit: number, after?: { at: string; id: string }) =>
    db.query<LogEntry>(
      `SELECT d.id, ev.id AS "eventId", ev.type AS "eventType", d.status, d.attempts, d.last_error AS "lastError",
         d.created_at AS "createdAt", d.sent_at AS "sentAt", d.next_attempt_at AS "nextAttemptAt",
         d.created_at::text AS "cursorAt", a.status_code AS "statusCode", a.latency_ms AS "latencyMs"
       FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
       LEFT JOIN LATERAL (SELECT status_code, latency_ms FROM webhook_attempts x WHERE x.delivery_id = d.id
                          ORDER BY x.attempted_at DESC, x.id DESC LIMIT 1) a ON true
       WHERE d.workspace_id = :workspaceId AND d.endpoint_id = :endpointId
         ${after ? 'AND (d.created_at, d.id) < (:at::timestamptz, :id::uuid)' : ''}
       ORDER BY d.created_at DESC, d.id DESC LIMIT :limit`,
      { workspaceId, endpointId, limit, ...after },
    ),

  delivery: (workspaceId: string, endpointId: string, id: string) =>
    db.one<LogEntry & { payload: unknown }>(
      `SELECT d.id, ev.id AS "eventId", ev.type AS "eventType", d.status, d.attempts, d.last_error AS "lastError",
         d.created_at AS "createdAt", d.sent_at AS "sentAt", d.next_attempt_at AS "nextAttemptAt", ev.payload
       FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
       WHERE d.workspace_id = :workspaceId AND d.endpoint_id = :endpointId AND d.id = :id`,
      { workspaceId, endpointId, id },
    ),

  attempts: (deliveryId: string) =>
    db.query<Attempt>(
      `SELECT attempted_at AS "attemptedAt", status_code AS "statusCode", latency_ms AS "latencyMs",
         response_excerpt AS "responseExcerpt", error
       FROM webhook_attempts WHERE delivery_id = :deliveryId ORDER BY attempted_at, id`,
      { deliveryId },
    ),

  /**
   * "Resend": the same message (same webhook-id, so a receiver that kept it can tell) queued again with a fresh
   * set of retries; only once it has settled, so a message is never in flight twice.
   */
  requeue: (workspaceId: string, endpointId: string, id: string) =>
    db.execute(
      `UPDATE webhook_deliveries SET status = 'queued', attempts = 0, next_attempt_at = now(), last_error = NULL
       WHERE workspace_id = :workspaceId AND endpoint_id = :endpointId AND id = :id AND status NOT IN ('queued', 'sending')`,
      { workspaceId, endpointId, id },
    ),

  // ——— the worker's side (dispatch.ts) ———
});
export type WebhooksRepository = ReturnType<typeof webhooksRepository>;
