import type { Db, Tx } from '../../platform/db';

/** Single sign-on links: a person's account at an identity provider, by the provider's id for them. */
export const identitiesRepository = (db: Db) => ({
  /** Who `(issuer, subject)` is linked to; the sign-in is noted on the link. */
  async signedIn(issuer: string, subject: string, tx: Tx) {
    return (
      await db.one<{ userId: string }>(
        `UPDATE user_identities SET last_signed_in_at = now() WHERE issuer = :issuer AND subject = :subject
         RETURNING user_id AS "userId"`,
        { issuer, subject },
        tx,
      )
    )?.userId;
  },

  /** The subject this person is linked to at this provider, if any. */
  linkedSubject: async (userId: string, issuer: string, tx: Tx) =>
    (
      await db.one<{ subject: string }>(
        `SELECT subject FROM user_identities WHERE user_id = :userId AND issuer = :issuer`,
        { userId, issuer },
        tx,
      )
    )?.subject,

  link: (l: { issuer: string; subject: string; userId: string; email: string }, tx: Tx) =>
    db.execute(
      `INSERT INTO user_identities (issuer, subject, user_id, email, last_signed_in_at)
       VALUES (:issuer, :subject, :userId, :email, now())`,
      l,
      tx,
    ),
});
