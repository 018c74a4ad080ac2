import type { Db, Tx } from '../../platform/db';

/** Password reset links; each row is one email (an outbox row the delivery worker sends). */
export const resetsRepository = (db: Db) => ({
  create: (userId: string, token: { hash: Buffer; sealed: string }, validMinutes: number, tx: Tx) =>
    db.execute(
      `INSERT INTO password_resets (user_id, token_hash, token_sealed, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(mins => $4))`,
      [userId, token.hash, token.sealed, validMinutes],
      tx,
    ),

  /** The person a link resets, while it is unused and within its hour. */
  usable: (hash: Buffer, tx?: Tx) =>
    db.one<{ id: string; userId: string }>(
      `SELECT id, user_id AS "userId" FROM password_resets
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()${tx ? ' FOR UPDATE' : ''}`,
      [hash],
      tx,
    ),

  /** Every open link of theirs is spent at once: one reset ends the others. */
  useAll: (userId: string, tx: Tx) =>
    db.execute(
      `UPDATE password_resets SET used_at = now() WHERE user_id = :userId AND used_at IS NULL`,
      { userId },
      tx,
    ),
});
