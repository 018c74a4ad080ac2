import { dispatchWebhook, type WebhookMessage } from '../../webhooks';
import type { DeliveringKind } from './kind';

/**
 * One event posted to one endpoint (table `webhook_deliveries`, queued by the webhooks triggers in the
 * transaction of the change, or by "Send test event" / "Resend"). Signed per Standard Webhooks, or a Slack
 * message; the webhooks module posts it, logs the attempt and decides retries (see webhooks/README.md).
 */
export type WebhookRow = WebhookMessage & { kind: 'webhook'; id: string; attempts: number; workspaceId: string };

export const webhook: DeliveringKind<WebhookRow> = {
  kind: 'webhook',
  table: 'webhook_deliveries',
  // An endpoint disabled (by a person, a 410 or a day of failures) or deleted while the message waited.
  checked: `SELECT p.id, e.id IS NULL OR NOT e.enabled AS stop, 'The endpoint is disabled; not sent.' AS why
      FROM picked p JOIN webhook_deliveries d ON d.id = p.id LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id`,
  // A Slack message about an answer is written from the answer as it is now (the comment that follows the score).
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", c.created_at AS "queuedAt",
       e.id AS "endpointId", e.url, e.format, e.secret_sealed AS "secretSealed",
       CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_sealed END AS "previousSecretSealed",
       e.last_success_at AS "lastSuccessAt", ev.id AS "eventId", ev.type AS "eventType", ev.payload::text AS payload,
       CASE WHEN e.format = 'slack' AND ev.type LIKE 'response.%'
         THEN rapport_webhook_response((ev.payload->'data'->>'id')::uuid) END AS "current"
     FROM claimed c
     JOIN webhook_endpoints e ON e.id = c.endpoint_id
     JOIN webhook_events ev ON ev.id = c.event_id
     WHERE c.status = 'sending'`,
  deliver: (row, ctx) => dispatchWebhook(row, ctx),
};
