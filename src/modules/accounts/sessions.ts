import crypto from 'node:crypto';
import type { Db, Tx } from '../../platform/db';

/** A signed-in session as its owner sees it. `key` names it in forms: the session id itself is a secret. */
export type SessionInfo = {
  key: string;
  current: boolean;
  signedInAt: Date | null;
  lastSeenAt: Date;
  userAgent: string;
};

export const sessionKey = (sid: string) => crypto.createHash('sha256').update(sid).digest('hex').slice(0, 32);

/**
 * Sessions live in connect-pg-simple's `session` table (a row per session, the data as JSON, `expire` pushed
 * forward on every request: the idle timeout). Found by person through the index on `sess->>'userId'`.
 */
export function sessionsRepository(db: Db, idleMs: number) {
  return {
    async list(userId: string, currentSid: string): Promise<SessionInfo[]> {
      const rows = await db.query<{ sid: string; sess: Record<string, unknown>; expire: Date }>(
        `SELECT sid, sess, expire FROM session WHERE sess->>'userId' = :userId AND expire > now() ORDER BY expire DESC`,
        { userId },
      );
      return rows.map((r) => ({
        key: sessionKey(r.sid),
        current: r.sid === currentSid,
        signedInAt: typeof r.sess.signedInAt === 'number' ? new Date(r.sess.signedInAt) : null,
        lastSeenAt: new Date(r.expire.getTime() - idleMs),
        userAgent: String(r.sess.userAgent ?? 'Unknown browser'),
      }));
    },

    /** Signs someone out everywhere, or everywhere but here. */
    endAll: (userId: string, tx?: Tx, exceptSid?: string) =>
      db.execute(
        `DELETE FROM session WHERE sess->>'userId' = :userId AND (:exceptSid::text IS NULL OR sid <> :exceptSid)`,
        { userId, exceptSid: exceptSid ?? null },
        tx,
      ),

    /** Their sessions in one workspace: they were removed from it. */
    endInWorkspace: (userId: string, workspaceId: string, tx?: Tx) =>
      db.execute(
        `DELETE FROM session WHERE sess->>'userId' = :userId AND sess->>'workspaceId' = :workspaceId`,
        {
          userId,
          workspaceId,
        },
        tx,
      ),

    /** One of their sessions, by the key the list showed. */
    async endOne(userId: string, key: string) {
      const rows = await db.query<{ sid: string }>(`SELECT sid FROM session WHERE sess->>'userId' = :userId`, {
        userId,
      });
      const sid = rows.find((r) => sessionKey(r.sid) === key)?.sid;
      return sid ? db.execute(`DELETE FROM session WHERE sid = :sid`, { sid }) : 0;
    },
  };
}
export type SessionsRepository = ReturnType<typeof sessionsRepository>;
