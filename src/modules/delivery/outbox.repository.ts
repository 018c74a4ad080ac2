import crypto from 'node:crypto';
import type { Db, Params, Tx } from '../../platform/db';
import { contactWrites } from '../contacts';
import { claimStatement, OUTBOX_KINDS, type AnyOutboxKind, type ClaimedMessage, type SettleWith } from './kinds';

const claims = new Map<AnyOutboxKind, string>();
const claimOf = (kind: AnyOutboxKind) => claims.get(kind) ?? claims.set(kind, claimStatement(kind)).get(kind)!;

/**
 * A claimed row, the kind that claimed it (so the worker can call the kind on its own row), and the claim's
 * token: every change to the row names it, so once a claim is taken back (its lease ran out) its holder can
 * change nothing, nor start the message, even if another worker claimed the row since.
 */
export type Claimed = { kind: AnyOutboxKind; row: ClaimedMessage; token: string };

/** A settling statement, after a delivering kind's CTEs when it has any (their parameters named apart). */
function settling(sql: string, params: Record<string, unknown>, record?: SettleWith): [string, Params] {
  if (!record) return [sql, params];
  const clash = Object.keys(record.params).find((name) => name in params);
  if (clash) throw new Error(`The record's parameter :${clash} is the settling statement's own.`);
  return [`WITH ${record.ctes}\n${sql}`, { ...params, ...record.params }];
}

const NOT_CONFIRMED = 'The sender stopped before confirming this message; it may or may not have been delivered.';

/**
 * Every state change of a claimed message, for every kind: one place, parameterised by the kind's table, and
 * each guarded by the claim it expects (`status = 'sending'` and its token), so a late or repeated update, or
 * one from a worker whose claim was taken back, changes nothing.
 */
export const outboxRepository = (db: Db, contacts = contactWrites(db)) => ({
  /**
   * Claim due messages of one kind. SKIP LOCKED lets any number of workers share the outbox without waiting
   * on each other; the lease says how long a claim may stay unsettled before it is taken back.
   */
  async claim(kind: AnyOutboxKind, limit: number, leaseSeconds: number): Promise<Claimed[]> {
    const token = crypto.randomUUID();
    const rows = await db.query<Omit<ClaimedMessage, 'kind'>>(claimOf(kind), { limit, leaseSeconds, token });
    return rows.map((row) => ({ kind, row: { ...row, kind: kind.kind } as ClaimedMessage, token }));
  },

  /**
   * The message enters its SMTP transaction: recorded (and committed) before its body may reach the relay.
   * False when the claim is no longer ours (or its lease ran out): the message must not be sent.
   */
  markStarted: async ({ kind, row, token }: Claimed) =>
    (await db.execute(
      `UPDATE ${kind.table} SET smtp_started_at = now()
       WHERE id = :id AND status = 'sending' AND claim_token = :token AND lease_until > now()`,
      { id: row.id, token },
    )) > 0,

  // The settling statements run a delivering kind's record of the attempt (`SettleWith`) in the same statement.
  markSent: ({ kind, row, token }: Claimed, messageId: string, record?: SettleWith) =>
    db.execute(
      ...settling(
        `UPDATE ${kind.table} SET status = 'sent', sent_at = now(), message_id = :messageId, lease_until = NULL,
           claim_token = NULL, last_error = NULL
         WHERE id = :id AND status = 'sending' AND claim_token = :token`,
        { id: row.id, token, messageId },
        record,
      ),
    ),

  retryLater: ({ kind, row, token }: Claimed, delaySeconds: number, error: string, record?: SettleWith) =>
    db.execute(
      ...settling(
        `UPDATE ${kind.table} SET status = 'queued', lease_until = NULL, claim_token = NULL, smtp_started_at = NULL,
           last_error = :error, next_attempt_at = now() + make_interval(secs => :delaySeconds)
         WHERE id = :id AND status = 'sending' AND claim_token = :token`,
        { id: row.id, token, delaySeconds, error },
        record,
      ),
    ),

  /** 'bounced' with a contact also marks the contact bounced, so no later wave asks that address again. */
  markFailed: async (
    { kind, row, token }: Claimed,
    status: 'failed' | 'bounced' | 'ambiguous',
    error: string,
    contactId?: string | null,
    record?: SettleWith,
  ) => {
    const settle = (tx?: Tx) =>
      db.execute(
        ...settling(
          `UPDATE ${kind.table} SET status = :status, lease_until = NULL, claim_token = NULL, last_error = :error
           WHERE id = :id AND status = 'sending' AND claim_token = :token`,
          { id: row.id, token, status, error },
          record,
        ),
        tx,
      );
    if (!contactId) return void (await settle());
    await db.transaction(async (tx) => {
      if (await settle(tx)) await contacts.bounce(contactId, tx);
    });
  },

  /** Claims never started (shutdown, or too little lease left): back to the queue as if never claimed. */
  release: async (claimed: Claimed[]) => {
    let n = 0;
    for (const kind of OUTBOX_KINDS)
      for (const token of new Set(claimed.filter((c) => c.kind === kind).map((c) => c.token))) {
        const ids = claimed.filter((c) => c.kind === kind && c.token === token).map((c) => c.row.id);
        n += await db.execute(
          `UPDATE ${kind.table} SET status = 'queued', attempts = greatest(attempts - 1, 0), lease_until = NULL,
             claim_token = NULL
           WHERE id IN (:ids) AND status = 'sending' AND claim_token = :token AND smtp_started_at IS NULL`,
          { ids, token },
        );
      }
    return n;
  },

  /**
   * Claims whose lease ran out (their worker died or lost its way): one whose message never entered an SMTP
   * transaction reached no relay and goes back to the queue as if never claimed; one that did may or may not
   * have been delivered: ambiguous, never resent blindly.
   */
  takeBackExpired: async () => {
    const taken = { requeued: 0, ambiguous: 0 };
    for (const { table } of OUTBOX_KINDS) {
      const rows = await db.query<{ status: 'queued' | 'ambiguous' }>(
        `UPDATE ${table} SET
           status = CASE WHEN smtp_started_at IS NULL THEN 'queued' ELSE 'ambiguous' END,
           attempts = CASE WHEN smtp_started_at IS NULL THEN greatest(attempts - 1, 0) ELSE attempts END,
           last_error = CASE WHEN smtp_started_at IS NULL THEN last_error ELSE :notConfirmed END,
           lease_until = NULL, claim_token = NULL
         WHERE status = 'sending' AND lease_until < now()
         RETURNING status`,
        { notConfirmed: NOT_CONFIRMED },
      );
      for (const { status } of rows) taken[status === 'queued' ? 'requeued' : 'ambiguous']++;
    }
    return taken;
  },
});
export type OutboxRepository = ReturnType<typeof outboxRepository>;
