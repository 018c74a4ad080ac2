import type { Db, Tx } from '../../platform/db';
import { foldRollupsNow } from '../insights';

/**
 * Responses' part of a workspace's retention policy: find the answers past it, then anonymise or delete them.
 * The triggers on `responses` keep the insights rollup exact through both (an anonymised answer loses its
 * free-text cells, a deleted one all of them), as they do for a contact's erasure; and, as there, the rollup's
 * pending copies of the answers are folded in the batch's transaction, so none keeps the text past its commit.
 */
export function responsesRetention(db: Db) {
  return {
    /**
     * Up to `limit` answers submitted before `before`, oldest first, locked for this transaction: those still
     * personal, then (for a deletion) those anonymised earlier, each through its own partial index. SKIP LOCKED:
     * another instance sweeping at the same moment takes the next ones, never these.
     */
    async due(workspaceId: string, before: Date, limit: number, tx: Tx, o: { anonymisedToo: boolean }) {
      const pick = async (anonymised: boolean, n: number) =>
        (
          await db.query<{ id: string }>(
            `SELECT id FROM responses
             WHERE workspace_id = $1 AND submitted_at < $2 AND anonymised_at IS ${anonymised ? 'NOT NULL' : 'NULL'}
             ORDER BY submitted_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
            [workspaceId, before, n],
            tx,
          )
        ).map((r) => r.id);
      const ids = await pick(false, limit);
      if (o.anonymisedToo && ids.length < limit) ids.push(...(await pick(true, limit - ids.length)));
      return ids;
    },

    /** As a contact's erasure leaves an answer: no contact, no free text; scores and choices stay for the charts. */
    anonymise: async (workspaceId: string, ids: string[], tx: Tx) => {
      const n = await db.execute(
        `UPDATE responses r SET contact_id = NULL, comment = NULL, anonymised_at = now(), updated_at = now(),
           answers = r.answers - ARRAY(SELECT q->>'id' FROM survey_versions v, jsonb_array_elements(v.questions) q
                                       WHERE v.survey_id = r.survey_id AND v.version = r.survey_version
                                         AND q->>'type' IN ('short_text', 'long_text'))
         WHERE r.workspace_id = $1 AND r.id = ANY($2::uuid[])`,
        [workspaceId, ids],
        tx,
      );
      await foldRollupsNow(db, tx);
      return n;
    },

    /** Gone, with what hangs on them (conversations, replies, notes, alerts, by ON DELETE CASCADE). */
    remove: async (workspaceId: string, ids: string[], tx: Tx) => {
      const n = await db.execute(
        `DELETE FROM responses WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
        [workspaceId, ids],
        tx,
      );
      await foldRollupsNow(db, tx);
      return n;
    },
  };
}
export type ResponsesRetention = ReturnType<typeof responsesRetention>;
