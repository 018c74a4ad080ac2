import type { DeliverContext, Delivered } from '../delivery';
import { post } from './post';
import { signedHeaders } from './signing';
import { slackMessage } from './slack';
import { attemptRecord, SUCCESS_RESOLUTION_MS } from './webhooks.repository';

/** What the outbox claims for one webhook delivery (see delivery/kinds/webhook.ts). */
export type WebhookMessage = {
  id: string;
  attempts: number;
  workspaceId: string;
  queuedAt: Date;
  endpointId: string;
  url: string;
  format: 'standard' | 'slack';
  secretSealed: string | null;
  previousSecretSealed: string | null;
  lastSuccessAt: Date | null;
  eventId: string;
  eventType: string;
  /** The event as stored, sent byte for byte (the signature covers exactly these bytes). */
  payload: string;
  /** Slack, about an answer: the answer as it is now. */
  current: Record<string, unknown> | null;
};

/**
 * After attempt n fails, wait RETRY_DELAYS[n-1] seconds (Standard Webhooks' suggested schedule: 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h): eight attempts over about 27 hours, then the message is dead.
 */
export const RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000];
export const MAX_ATTEMPTS = RETRY_DELAYS.length + 1;
const jitter = (s: number) => Math.round(s * (0.9 + Math.random() * 0.2));

/**
 * Post one event to one endpoint, log the attempt, and say how the outbox should settle it:
 * - 2xx: sent.
 * - 410 Gone: the receiver says it is gone for good; the endpoint is disabled and the owners told.
 * - anything else (another status, a 3xx — never followed —, a timeout, a refused address, a network error):
 *   tried again on the schedule above; after the last attempt the message is dead, and if the endpoint has not
 *   taken a single message since this one was queued (about a day of failures), it is disabled and the
 *   owners told.
 */
export async function dispatchWebhook(m: WebhookMessage, ctx: DeliverContext): Promise<Delivered> {
  const msgId = `msg_${m.eventId.replace(/-/g, '')}`;
  let body: string;
  let headers: Record<string, string> = {};
  if (m.format === 'slack') {
    const event = JSON.parse(m.payload) as { data: Record<string, unknown> };
    body = JSON.stringify(slackMessage(m.eventType, m.current ?? event.data, ctx.publicUrl));
  } else {
    body = m.payload;
    const secrets = [m.secretSealed, m.previousSecretSealed]
      .filter((s): s is string => !!s)
      .map((sealed) => ctx.sealer.open(sealed));
    headers = signedHeaders(msgId, new Date(), body, secrets);
  }

  const result = await post(m.url, body, headers, ctx.http);
  const said = result.status
    ? `${result.status}${result.excerpt ? `: ${result.excerpt.slice(0, 200)}` : ''}`
    : result.error!;
  // The log line (and what the endpoint becomes) is written by the statement that settles the delivery.
  const record = (endpoint?: Parameters<typeof attemptRecord>[2]) => attemptRecord(m.id, result, endpoint);

  if (result.status && result.status >= 200 && result.status < 300)
    return { outcome: 'sent', messageId: msgId, record: record({ succeeded: m.endpointId }) };
  if (result.status === 410)
    return {
      outcome: 'failed',
      error: `410 Gone: the endpoint was disabled. ${said}`,
      record: record({
        disable: m,
        reason: 'The receiver answered 410 Gone, which means it will never take messages again.',
      }),
    };
  if (m.attempts < MAX_ATTEMPTS)
    return { outcome: 'retry', error: said, delaySeconds: jitter(RETRY_DELAYS[m.attempts - 1]!), record: record() };
  // Successes are recorded to the second (attemptRecord): "none since it was queued" is asked of the second
  // before, so a success is never missed (an endpoint that took one just then stays enabled).
  const tookNone = !m.lastSuccessAt || m.lastSuccessAt.getTime() < m.queuedAt.getTime() - SUCCESS_RESOLUTION_MS;
  return {
    outcome: 'failed',
    error: `Gave up after ${m.attempts} attempts. ${said}`,
    record: record(
      tookNone ? { disable: m, reason: `Every attempt for about a day failed (last: ${said.slice(0, 200)}).` } : {},
    ),
  };
}
