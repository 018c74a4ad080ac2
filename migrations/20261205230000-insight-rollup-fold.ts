import type { MigrationContext } from '../src/platform/migrator';

/**
 * No free text left behind by an erasure, at the respondent's cost of 20261205200000 again.
 *
 * 20261205210000 reduced every pending row image to what the cells count (an open answer to "x"), so a comment
 * stripped by an erasure was not kept in `insight_rollup_pending` until the next fold. Measured by the backend's
 * own CPU time over 2,000 upserts (medians of five, triggers on and off alternately): statement triggers +125 µs
 * per upsert, the reduced image +105 µs, the plain image +30 µs. The reduction (the version's questions read
 * and walked for every image) cost the respondent nearly all that the row image had saved.
 *
 * So the image is plain again, and the few statements that take text away from answers (a contact's erasure,
 * the retention sweep) fold what is pending in their own transaction (rapport_insights_fold, the compactor's
 * one statement, here as a function both call): the erased text's images leave the database with the commit
 * that erases it. Everyone else's pending rows are folded with them, which is what the minute's job does anyway.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE OR REPLACE FUNCTION rapport_insights_log() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        INSERT INTO insight_rollup_pending VALUES (OLD.workspace_id, OLD.survey_id, OLD.survey_version,
          (OLD.submitted_at AT TIME ZONE 'UTC')::date, OLD.answers, OLD.score, -1);
      END IF;
      IF TG_OP <> 'DELETE' THEN
        INSERT INTO insight_rollup_pending VALUES (NEW.workspace_id, NEW.survey_id, NEW.survey_version,
          (NEW.submitted_at AT TIME ZONE 'UTC')::date, NEW.answers, NEW.score, 1);
      END IF;
      RETURN NULL;
    END $$;
    DROP FUNCTION rapport_insights_image(jsonb, jsonb);

    -- Moves every pending delta and row image into the rollup in one statement; bumps the epoch (the dashboards'
    -- cache version) when it moved any. The caller holds the compactor's advisory lock (insights/rollups.ts).
    CREATE FUNCTION rapport_insights_fold() RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE moved bigint;
    BEGIN
      WITH deltas AS (
        DELETE FROM insight_rollup_deltas RETURNING workspace_id, survey_id, survey_version, day, question_id, value, n
      ),
      logged AS (DELETE FROM insight_rollup_pending RETURNING *),
      cut AS (
        SELECT l.workspace_id, l.survey_id, l.survey_version, l.day, c.question_id, c.value, l.sign::bigint AS n
        FROM logged l
        LEFT JOIN survey_versions v ON v.survey_id = l.survey_id AND v.version = l.survey_version
        CROSS JOIN LATERAL rapport_insight_cells(v.questions, l.answers, l.score) c
      ),
      grouped AS (
        SELECT workspace_id, survey_id, survey_version, day, question_id, value, sum(n)::bigint AS n
        FROM (SELECT * FROM deltas UNION ALL SELECT * FROM cut) x GROUP BY 1, 2, 3, 4, 5, 6
      ),
      folded AS (
        INSERT INTO insight_rollups (workspace_id, survey_id, survey_version, day, question_id, value, n)
        SELECT g.workspace_id, g.survey_id, g.survey_version, g.day, g.question_id, g.value, g.n
        FROM grouped g WHERE g.n <> 0 AND EXISTS (SELECT 1 FROM surveys s WHERE s.id = g.survey_id)
        ON CONFLICT (survey_id, survey_version, day, question_id, value) DO UPDATE SET n = insight_rollups.n + EXCLUDED.n
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM deltas) + (SELECT count(*) FROM logged) INTO moved;
      IF moved > 0 THEN
        UPDATE insight_rollup_epoch SET epoch = epoch + 1;
      END IF;
      RETURN moved;
    END $$;
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP FUNCTION rapport_insights_fold();
    CREATE FUNCTION rapport_insights_image(questions jsonb, answers jsonb) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
      q jsonb;
      a jsonb;
      kept jsonb := '{}';
    BEGIN
      FOR q IN SELECT jsonb_array_elements(coalesce(questions, '[]'::jsonb)) LOOP
        a := answers -> (q->>'id');
        CONTINUE WHEN a IS NULL OR q->>'id' IS NULL;
        IF jsonb_typeof(a) = 'string'
           AND coalesce(q->>'type', '') NOT IN ('nps', 'csat', 'ces', 'rating', 'yes_no', 'single_choice') THEN
          a := to_jsonb(CASE WHEN btrim(a #>> '{}') <> '' THEN 'x' ELSE '' END);
        END IF;
        kept := kept || jsonb_build_object(q->>'id', a);
      END LOOP;
      RETURN kept;
    END $$;
    CREATE OR REPLACE FUNCTION rapport_insights_log() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        INSERT INTO insight_rollup_pending VALUES (OLD.workspace_id, OLD.survey_id, OLD.survey_version,
          (OLD.submitted_at AT TIME ZONE 'UTC')::date,
          rapport_insights_image((SELECT v.questions FROM survey_versions v
                                  WHERE v.survey_id = OLD.survey_id AND v.version = OLD.survey_version), OLD.answers),
          OLD.score, -1);
      END IF;
      IF TG_OP <> 'DELETE' THEN
        INSERT INTO insight_rollup_pending VALUES (NEW.workspace_id, NEW.survey_id, NEW.survey_version,
          (NEW.submitted_at AT TIME ZONE 'UTC')::date,
          rapport_insights_image((SELECT v.questions FROM survey_versions v
                                  WHERE v.survey_id = NEW.survey_id AND v.version = NEW.survey_version), NEW.answers),
          NEW.score, 1);
      END IF;
      RETURN NULL;
    END $$;
  `);
}
