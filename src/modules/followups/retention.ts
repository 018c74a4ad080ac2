import type { Db, Tx } from '../../platform/db';

/**
 * Followups' part of anonymising old answers under a retention policy: the team's replies to them, notes
 * about them and alerts quoting them are personal data too. The conversation itself stays (its band and
 * dates feed "closing the loop"), without anyone's words in it.
 */
export const followupsRetention = (db: Db) => ({
  async forget(workspaceId: string, responseIds: string[], tx: Tx) {
    const params = [workspaceId, responseIds];
    const scoped = `workspace_id = $1 AND response_id = ANY($2::uuid[])`;
    await db.execute(`DELETE FROM followup_notes WHERE ${scoped}`, params, tx);
    await db.execute(`DELETE FROM alerts WHERE ${scoped}`, params, tx);
    await db.execute(`DELETE FROM escalations WHERE ${scoped}`, params, tx);
    await db.execute(
      `UPDATE conversations SET closing_line = NULL, closing_line_by = NULL WHERE ${scoped}`,
      params,
      tx,
    );
    await db.execute(`DELETE FROM replies WHERE ${scoped}`, params, tx);
  },
});
