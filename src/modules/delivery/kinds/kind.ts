import type http from 'node:http';
import type https from 'node:https';
import type { Db } from '../../../platform/db';
import type { OutgoingMail } from '../../../platform/mail';
import type { Sealer } from '../../../platform/tokens';

/** What every claimed row carries, whatever its kind; the rest is the kind's own. */
export type ClaimedRow = {
  kind: string;
  id: string;
  attempts: number;
  /** The workspace that sends it (the built-in mailbox files its copy under it). */
  workspaceId: string;
};

/** What the worker gives a kind to build its message. */
export type ComposeContext = {
  publicUrl: string;
  /** The envelope/From address; the display name is the kind's choice. */
  mailFrom: string;
  /** The mailto: half of List-Unsubscribe on survey mail. */
  unsubscribeMailto: string;
  sealer: Sealer;
  /** The host part of every Message-ID (the public URL's). */
  domain: string;
  /** The domain of conversations' reply addresses (reply+<token>@…), when customers' answers come back to Rapport. */
  inboundDomain?: string;
};

/**
 * One kind of outgoing message: its outbox table, the statement that claims due rows and reads what the message
 * needs, its Message-ID rule and its message builder. The worker and the outbox repository handle every kind
 * the same way (claim, lease, retry, bounce, ambiguous); nothing outside the kind's file knows its columns.
 *
 * Methods (not function-valued properties) on purpose: a kind of one row type can then stand in the registry
 * of all kinds, and the worker calls `kind.compose(row)` on the pair it claimed together.
 */
export interface OutboxKind<Row extends ClaimedRow> {
  readonly kind: Row['kind'];
  /**
   * The outbox table. It has the outbox columns: id, status (queued, sending, sent, failed, bounced, ambiguous,
   * suppressed), attempts, next_attempt_at, lease_until, claim_token, smtp_started_at, message_id, last_error,
   * sent_at.
   */
  readonly table: string;
  /**
   * Per picked id (`picked p`), whether to stop the message instead of sending it and why: selects `p.id`,
   * `stop` and `why` (`FALSE AS stop, NULL AS why` when nothing can stop it). See claimStatement.
   */
  readonly checked: string;
  /** The message's facts, selected from `claimed c` (all columns of the claimed rows) `WHERE c.status = 'sending'`. */
  readonly read: string;
  /** Derived from the row alone, so a retry of the same message carries the same Message-ID. */
  messageId(row: Row, domain: string): string;
  compose(row: Row, ctx: ComposeContext): Promise<OutgoingMail>;
  /** The contact a hard bounce marks bounced (never again asked), or null when the address is not a contact's. */
  bouncedContactId(row: Row): string | null;
}

/** What a kind that is not mail is given to deliver a message: the worker's context, the database and its limits. */
export type DeliverContext = ComposeContext & {
  db: Db;
  /** Settings of kinds that post over HTTP (webhooks): the SSRF policy and limits. */
  http: HttpSettings;
};
export type HttpSettings = {
  /** Loopback and private networks are reachable (WEBHOOKS_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
  /** DNS resolution; tests give one whose answers they control. */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
  /**
   * Kept-alive connections (the worker's, one pool per origin, closed when it stops): each new socket is opened
   * through the SSRF guard's lookup, so a pooled one always goes to an address that was checked. Without them,
   * a fresh connection per attempt.
   */
  agents?: { http: http.Agent; https: https.Agent };
};

/** CTEs a settling statement runs first (see Delivered.record), with parameters named apart from the statement's. */
export type SettleWith = { ctes: string; params: Record<string, unknown> };

/** How a message of a delivering kind ended this time; the worker settles the row by it (guarded, as for mail). */
export type Delivered = (
  | { outcome: 'sent'; messageId: string }
  | { outcome: 'retry'; error: string; delaySeconds: number }
  | { outcome: 'failed'; error: string }
) & {
  /**
   * What the kind writes about this attempt (its log, its endpoint's state): data-modifying CTEs on its own tables
   * (`name AS (…)`, comma-separated) and their parameters, run in the very statement that settles the row. One
   * statement, one commit per attempt, and the log never says other than the row.
   */
  record?: SettleWith;
};

/**
 * A kind that is not an email: it delivers each message itself (a webhook is an HTTP POST) and decides its own
 * retries, while claims, leases, the stop rule, release at shutdown and the ambiguous sweep stay the worker's,
 * exactly as for mail. Told apart from a mail kind by `deliver`.
 */
export interface DeliveringKind<Row extends ClaimedRow> {
  readonly kind: Row['kind'];
  readonly table: string;
  readonly checked: string;
  readonly read: string;
  deliver(row: Row, ctx: DeliverContext): Promise<Delivered>;
}

export const delivers = <R extends ClaimedRow>(k: OutboxKind<R> | DeliveringKind<R>): k is DeliveringKind<R> =>
  'deliver' in k;

/** The row type a kind claims. */
export type RowOf<K> = K extends OutboxKind<infer R> ? R : K extends DeliveringKind<infer R> ? R : never;

/**
 * The one claim statement, for any kind (`:limit`, `:leaseSeconds`, `:token` naming this claim): due rows are
 * picked with SKIP LOCKED; a row the kind's `checked` stops is not sent but ends as 'suppressed' in the same
 * statement that leases the rest (under the claim's token, not yet started); the kind's `read` then returns
 * what its messages need.
 */
export const claimStatement = ({
  table,
  checked,
  read,
}: Pick<OutboxKind<ClaimedRow>, 'table' | 'checked' | 'read'>) => `
    WITH picked AS (
      SELECT id FROM ${table} WHERE status = 'queued' AND next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED),
    checked AS (${checked}),
    claimed AS (
      UPDATE ${table} m SET
        status = CASE WHEN k.stop THEN 'suppressed' ELSE 'sending' END,
        attempts = m.attempts + CASE WHEN k.stop THEN 0 ELSE 1 END,
        lease_until = CASE WHEN k.stop THEN NULL ELSE now() + make_interval(secs => :leaseSeconds) END,
        last_error = CASE WHEN k.stop THEN k.why ELSE m.last_error END,
        claim_token = CASE WHEN k.stop THEN NULL ELSE CAST(:token AS uuid) END,
        smtp_started_at = NULL
      FROM checked k WHERE m.id = k.id
      RETURNING m.*)
  ${read}`;

/** The stop rule of every message to a contact: only a subscribed one is written to. */
export const NOT_SUBSCRIBED = `ct.status <> 'subscribed' AS stop, 'The contact is ' || ct.status || '; not sent.' AS why`;
