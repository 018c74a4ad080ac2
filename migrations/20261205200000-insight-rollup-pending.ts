import type { MigrationContext } from '../src/platform/migrator';

/**
 * A cheaper upkeep of the insights rollup on the respondent's POST.
 *
 * The statement-level triggers of 20261202300000 cut each changed response into cells as it was written. An
 * answer is `INSERT … ON CONFLICT DO UPDATE`, which fires the INSERT and the UPDATE statement triggers both,
 * each capturing transition tables and running a grouped INSERT … SELECT through rapport_insight_cells: about
 * 100 µs of the database's time per answer (measured on this machine: 530 µs per upsert with them, 435 µs
 * without), 14 % of the POST's throughput in `npm run bench:respond`.
 *
 * Now a row-level trigger only appends the row's image (what the cells are made of: survey, version, UTC day,
 * answers, score) with a sign, to `insight_rollup_pending`: one plain INSERT, about 15 µs, and an update
 * that changes nothing counted (a timestamp, the locale, a contact link) is skipped by the trigger's WHEN before
 * any function runs. Still insert-only: concurrent answers never wait on each other.
 *
 * The cells of those images are made where it costs nobody an answer: by readers, through the view
 * `insight_rollup_unfolded` (pending deltas, and the pending images cut into cells by the same
 * rapport_insight_cells, with the version's questions), and by the minute's compactor, which folds both
 * into the rollup. rapport_insights_recount counts what is pending through the same view.
 *
 * Every change of an answer's text now leaves a pending row too (the old cell deltas dropped a change that
 * nets to zero cells), so the rollup's version in the dashboards' cache also moves when a comment is edited
 * or erased: the cache can keep what is read from the text (the themes) exactly.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    -- Append-only, no index: a minute's worth of changed responses between compactions.
    CREATE TABLE insight_rollup_pending (
      workspace_id uuid NOT NULL,
      survey_id uuid NOT NULL,
      survey_version integer NOT NULL,
      day date NOT NULL,
      answers jsonb NOT NULL,
      score integer,
      sign smallint NOT NULL
    );

    CREATE FUNCTION rapport_insights_log() RETURNS trigger LANGUAGE plpgsql AS $$
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

    -- The names stay (bench:respond switches them off and on to measure their cost).
    DROP TRIGGER responses_insights_insert ON responses;
    DROP TRIGGER responses_insights_update ON responses;
    DROP TRIGGER responses_insights_delete ON responses;
    CREATE TRIGGER responses_insights_insert AFTER INSERT ON responses
      FOR EACH ROW EXECUTE FUNCTION rapport_insights_log();
    CREATE TRIGGER responses_insights_update AFTER UPDATE OF workspace_id, survey_id, survey_version, submitted_at, answers, score
      ON responses FOR EACH ROW
      WHEN (OLD.workspace_id IS DISTINCT FROM NEW.workspace_id OR OLD.survey_id IS DISTINCT FROM NEW.survey_id
        OR OLD.survey_version IS DISTINCT FROM NEW.survey_version OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at
        OR OLD.answers IS DISTINCT FROM NEW.answers OR OLD.score IS DISTINCT FROM NEW.score)
      EXECUTE FUNCTION rapport_insights_log();
    CREATE TRIGGER responses_insights_delete AFTER DELETE ON responses
      FOR EACH ROW EXECUTE FUNCTION rapport_insights_log();
    DROP FUNCTION rapport_insights_count();

    -- What is not folded into the rollup yet, as cells: readers sum insight_rollups + this, in one statement.
    CREATE VIEW insight_rollup_unfolded AS
      SELECT workspace_id, survey_id, survey_version, day, question_id, value, n FROM insight_rollup_deltas
      UNION ALL
      SELECT p.workspace_id, p.survey_id, p.survey_version, p.day, c.question_id, c.value, p.sign::bigint
      FROM insight_rollup_pending p
      LEFT JOIN survey_versions v ON v.survey_id = p.survey_id AND v.version = p.survey_version
      CROSS JOIN LATERAL rapport_insight_cells(v.questions, p.answers, p.score) c;

    CREATE OR REPLACE FUNCTION rapport_insights_recount(p_survey uuid, p_version integer) RETURNS void LANGUAGE sql AS $$
      INSERT INTO insight_rollup_deltas (workspace_id, survey_id, survey_version, day, question_id, value, n)
      SELECT workspace_id, p_survey, p_version, day, question_id, value, sum(n)
      FROM (
        SELECT r.workspace_id, (r.submitted_at AT TIME ZONE 'UTC')::date AS day, c.question_id, c.value, count(*) AS n
        FROM responses r
        LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
        CROSS JOIN LATERAL rapport_insight_cells(v.questions, r.answers, r.score) c
        WHERE r.survey_id = p_survey AND r.survey_version = p_version
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT workspace_id, day, question_id, value, -n FROM insight_rollups WHERE survey_id = p_survey AND survey_version = p_version
        UNION ALL
        SELECT workspace_id, day, question_id, value, -n FROM insight_rollup_unfolded WHERE survey_id = p_survey AND survey_version = p_version
      ) t
      GROUP BY workspace_id, day, question_id, value
      HAVING sum(n) <> 0
    $$;
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    -- What is pending becomes cell deltas again, as the statement triggers would have written them.
    INSERT INTO insight_rollup_deltas (workspace_id, survey_id, survey_version, day, question_id, value, n)
    SELECT p.workspace_id, p.survey_id, p.survey_version, p.day, c.question_id, c.value, sum(p.sign)
    FROM insight_rollup_pending p
    LEFT JOIN survey_versions v ON v.survey_id = p.survey_id AND v.version = p.survey_version
    CROSS JOIN LATERAL rapport_insight_cells(v.questions, p.answers, p.score) c
    GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(p.sign) <> 0;
    DROP TRIGGER responses_insights_insert ON responses;
    DROP TRIGGER responses_insights_update ON responses;
    DROP TRIGGER responses_insights_delete ON responses;
    DROP VIEW insight_rollup_unfolded;
    DROP TABLE insight_rollup_pending;
    DROP FUNCTION rapport_insights_log();
    CREATE FUNCTION rapport_insights_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO insight_rollup_deltas (workspace_id, survey_id, survey_version, day, question_id, value, n)
        SELECT r.workspace_id, r.survey_id, r.survey_version, (r.submitted_at AT TIME ZONE 'UTC')::date, c.question_id, c.value, count(*)
        FROM new_rows r
        LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
        CROSS JOIN LATERAL rapport_insight_cells(v.questions, r.answers, r.score) c
        GROUP BY 1, 2, 3, 4, 5, 6;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO insight_rollup_deltas (workspace_id, survey_id, survey_version, day, question_id, value, n)
        SELECT r.workspace_id, r.survey_id, r.survey_version, (r.submitted_at AT TIME ZONE 'UTC')::date, c.question_id, c.value, -count(*)
        FROM old_rows r
        LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
        CROSS JOIN LATERAL rapport_insight_cells(v.questions, r.answers, r.score) c
        GROUP BY 1, 2, 3, 4, 5, 6;
      ELSE
        INSERT INTO insight_rollup_deltas (workspace_id, survey_id, survey_version, day, question_id, value, n)
        SELECT r.workspace_id, r.survey_id, r.survey_version, (r.submitted_at AT TIME ZONE 'UTC')::date, c.question_id, c.value, sum(r.sign)
        FROM (SELECT workspace_id, survey_id, survey_version, submitted_at, answers, score, 1 AS sign FROM new_rows
              UNION ALL
              SELECT workspace_id, survey_id, survey_version, submitted_at, answers, score, -1 FROM old_rows) r
        LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
        CROSS JOIN LATERAL rapport_insight_cells(v.questions, r.answers, r.score) c
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(r.sign) <> 0;
      END IF;
      RETURN NULL;
    END $$;

    CREATE TRIGGER responses_insights_insert AFTER INSERT ON responses
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rapport_insights_count();
    CREATE TRIGGER responses_insights_update AFTER UPDATE ON responses
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rapport_insights_count();
    CREATE TRIGGER responses_insights_delete AFTER DELETE ON responses
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rapport_insights_count();

    CREATE OR REPLACE FUNCTION rapport_insights_recount(p_survey uuid, p_version integer) RETURNS void LANGUAGE sql AS $$
      INSERT INTO insight_rollup_deltas (workspace_id, survey_id, survey_version, day, question_id, value, n)
      SELECT workspace_id, p_survey, p_version, day, question_id, value, sum(n)
      FROM (
        SELECT r.workspace_id, (r.submitted_at AT TIME ZONE 'UTC')::date AS day, c.question_id, c.value, count(*) AS n
        FROM responses r
        LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
        CROSS JOIN LATERAL rapport_insight_cells(v.questions, r.answers, r.score) c
        WHERE r.survey_id = p_survey AND r.survey_version = p_version
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT workspace_id, day, question_id, value, -n FROM insight_rollups WHERE survey_id = p_survey AND survey_version = p_version
        UNION ALL
        SELECT workspace_id, day, question_id, value, -n FROM insight_rollup_deltas WHERE survey_id = p_survey AND survey_version = p_version
      ) t
      GROUP BY workspace_id, day, question_id, value
      HAVING sum(n) <> 0
    $$;

  `);
}
