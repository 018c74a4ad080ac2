import type { Db } from '../../platform/db';
import type { ContactErasure } from '../contacts';
import { foldRollupsNow } from '../insights';

/**
 * A contact's erasure, for responses: their answers stay for the charts but lose the person — no contact, no
 * free text (a comment can name or describe them); scores and choices stay. The insights rollup's pending
 * copies of the answers are folded in the same transaction, so no copy of the text outlives it.
 */
export const responsesErasure = (db: Db): ContactErasure => ({
  async erase(who, tx) {
    await db.execute(
      `UPDATE responses r SET contact_id = NULL, comment = NULL, updated_at = now(),
         answers = r.answers - ARRAY(SELECT q->>'id' FROM survey_versions v, jsonb_array_elements(v.questions) q
                                     WHERE v.survey_id = r.survey_id AND v.version = r.survey_version
                                       AND q->>'type' IN ('short_text', 'long_text'))
       WHERE r.workspace_id = :workspaceId AND r.contact_id = :contactId`,
      who,
      tx,
    );
    // The insights rollup's pending images of these answers still hold the text: folded with this commit.
    await foldRollupsNow(db, tx);
  },
});
