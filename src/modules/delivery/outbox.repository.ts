import type { Db } from '../../platform/db';
import { contactWrites } from '../contacts';
import { claimStatement, OUTBOX_KINDS, type AnyOutboxKind, type ClaimedMessage } from './kinds';

const claims = new Map<AnyOutboxKind, string>();
const claimOf = (kind: AnyOutboxKind) => claims.get(kind) ?? claims.set(kind, claimStatement(kind)).get(kind)!;

/** A claimed row and the kind that claimed it, kept together so the worker can call the kind on its own row. */
export type Claimed = { kind: AnyOutboxKind; row: ClaimedMessage };

/**
 * Every state change of a claimed message, for every kind: one place, parameterised by the kind's table, and
 * each guarded by the state it expects (`status = 'sending'`), so a late or repeated update changes nothing.
 */
export const outboxRepository = (db: Db, contacts = contactWrites(db)) => ({
  /**
   * Claim due messages of one kind. SKIP LOCKED lets any number of workers share the outbox without waiting
   * on each other; the lease says how long a claim may stay unsettled before it is counted as ambiguous.
   */
  async claim(kind: AnyOutboxKind, limit: number, leaseSeconds: number): Promise<Claimed[]> {
    const rows = await db.query<Omit<ClaimedMessage, 'kind'>>(claimOf(kind), { limit, leaseSeconds });
    return rows.map((row) => ({ kind, row: { ...row, kind: kind.kind } as ClaimedMessage }));
  },

  markSent: (kind: AnyOutboxKind, id: string, messageId: string) =>
    db.execute(
      `UPDATE ${kind.table} SET status = 'sent', sent_at = now(), message_id = :messageId, lease_until = NULL, last_error = NULL
       WHERE id = :id AND status = 'sending'`,
      { id, messageId },
    ),

  retryLater: (kind: AnyOutboxKind, id: string, delaySeconds: number, error: string) =>
    db.execute(
      `UPDATE ${kind.table} SET status = 'queued', lease_until = NULL, last_error = :error,
         next_attempt_at = now() + make_interval(secs => :delaySeconds)
       WHERE id = :id AND status = 'sending'`,
      { id, delaySeconds, error },
    ),

  /** 'bounced' with a contact also marks the contact bounced, so no later wave asks that address again. */
  markFailed: (
    kind: AnyOutboxKind,
    id: string,
    status: 'failed' | 'bounced' | 'ambiguous',
    error: string,
    contactId?: string | null,
  ) =>
    db.transaction(async (tx) => {
      const settled = await db.execute(
        `UPDATE ${kind.table} SET status = :status, lease_until = NULL, last_error = :error
         WHERE id = :id AND status = 'sending'`,
        { id, status, error },
        tx,
      );
      if (contactId && settled) await contacts.bounce(contactId, tx);
    }),

  /** Claims never started (shutdown, or too little lease left): back to the queue as if never claimed. */
  release: (kind: AnyOutboxKind, ids: string[]) =>
    ids.length
      ? db.execute(
          `UPDATE ${kind.table} SET status = 'queued', attempts = greatest(attempts - 1, 0), lease_until = NULL
           WHERE id IN (:ids) AND status = 'sending'`,
          { ids },
        )
      : Promise.resolve(0),

  /** A claim whose lease ran out may or may not have reached the relay: record that, never resend blindly. */
  markExpiredLeasesAmbiguous: async () => {
    let n = 0;
    for (const { table } of OUTBOX_KINDS) {
      n += await db.execute(
        `UPDATE ${table} SET status = 'ambiguous', lease_until = NULL,
           last_error = 'The sender stopped before confirming this message; it may or may not have been delivered.'
         WHERE status = 'sending' AND lease_until < now()`,
      );
    }
    return n;
  },
});
export type OutboxRepository = ReturnType<typeof outboxRepository>;
