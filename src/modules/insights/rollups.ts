import type { Db } from '../../platform/db';

// Several instances tick at once; one compacts, the others skip.
const COMPACT_LOCK = 724_012;

/**
 * Moves the pending deltas and row images into the rollup (see migrations 20261202300000 and 20261205200000),
 * in one statement: a reader
 * summing rollup + deltas sees the counts either all before or all after. Deltas of a survey deleted since
 * are dropped. Returns how many pending rows were folded, and bumps the rollup's epoch when there were any.
 */
export async function compactRollups(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const lock = await db.one<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${COMPACT_LOCK}) AS ok`, {}, tx);
    if (!lock?.ok) return 0;
    // Both kinds of pending change (cell deltas, and the row images the respondent's trigger appends, cut into
    // cells here by the version's questions) leave their tables and enter the rollup in this one statement.
    const row = await db.one<{ moved: number }>(
      `WITH moved AS (DELETE FROM insight_rollup_deltas RETURNING workspace_id, survey_id, survey_version, day, question_id, value, n),
       logged AS (DELETE FROM insight_rollup_pending RETURNING *),
       cut AS (
         SELECT l.workspace_id, l.survey_id, l.survey_version, l.day, c.question_id, c.value, l.sign::bigint AS n
         FROM logged l
         LEFT JOIN survey_versions v ON v.survey_id = l.survey_id AND v.version = l.survey_version
         CROSS JOIN LATERAL rapport_insight_cells(v.questions, l.answers, l.score) c
       ),
       grouped AS (
         SELECT workspace_id, survey_id, survey_version, day, question_id, value, sum(n)::bigint AS n
         FROM (SELECT * FROM moved UNION ALL SELECT * FROM cut) x GROUP BY 1, 2, 3, 4, 5, 6
       ),
       folded AS (
         INSERT INTO insight_rollups (workspace_id, survey_id, survey_version, day, question_id, value, n)
         SELECT g.workspace_id, g.survey_id, g.survey_version, g.day, g.question_id, g.value, g.n
         FROM grouped g WHERE g.n <> 0 AND EXISTS (SELECT 1 FROM surveys s WHERE s.id = g.survey_id)
         ON CONFLICT (survey_id, survey_version, day, question_id, value) DO UPDATE SET n = insight_rollups.n + EXCLUDED.n
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM logged) AS moved`,
      {},
      tx,
    );
    const moved = Number(row?.moved ?? 0);
    // A new epoch: the dashboards' cache (rollupCache.ts) drops what it read before this fold.
    if (moved) await db.execute(`UPDATE insight_rollup_epoch SET epoch = epoch + 1`, {}, tx);
    return moved;
  });
}

/** The minute job: keeps the deltas a reader sums small. */
export const rollupCompactor = (db: Db) => ({ tick: () => compactRollups(db) });
