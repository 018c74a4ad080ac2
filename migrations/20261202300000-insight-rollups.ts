import type { MigrationContext } from '../src/platform/migrator';

/**
 * Insights at scale: every dashboard number of an unfiltered view is read from rollups, not from `responses`.
 *
 * A response is seen as a few "cells" (rapport_insight_cells): one '#responses' cell, and per question of its
 * version an answered cell (value '') plus one cell per value given (a score, a choice; each choice of a
 * multiple-choice answer). The rollup counts cells per (survey, version, UTC day, question, value): from
 * that come every distribution, mean, NPS, proportion and trend point, by day, week, month or quarter.
 *
 * Exact by construction, without slowing the respondent's POST:
 *  - Statement-level triggers with transition tables turn every INSERT, UPDATE (a changed answer, an
 *    erasure that strips free text) and DELETE of responses into signed *deltas*: +1 for each cell of the
 *    new rows, −1 for each cell of the old rows, grouped, net-zero cells dropped. A COPY of a million rows
 *    becomes a few thousand delta rows; a POST a handful.
 *  - Deltas are only ever INSERTed (never an UPDATE of a shared counter row): concurrent respondents of one
 *    survey never wait on each other's row lock until commit, which a counter row would serialise.
 *  - Readers sum rollups + deltas in one statement (one snapshot), so a number is exact at any moment.
 *  - A compactor (insights' minute job) moves deltas into the rollup in one statement; cells of deleted
 *    surveys are dropped there (deltas carry no foreign key: a cascading delete must never fail on them).
 *  - rapport_insights_recount(survey, version) writes, as one more delta, the difference between a raw
 *    recount and what is stored; it runs when a version's questions change under its answers.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    -- The smallest group size a dashboard shows a score or a comment for (a segment, a property value, a week).
    ALTER TABLE workspaces ADD COLUMN anonymity_threshold integer NOT NULL DEFAULT 5
      CHECK (anonymity_threshold BETWEEN 1 AND 1000);

    -- What one response counts for. The primary scale question (the first scale of the version) reads the
    -- response's score column, which the dashboards have always used; every other question reads answers.
    CREATE FUNCTION rapport_insight_cells(questions jsonb, answers jsonb, score integer)
      RETURNS TABLE (question_id text, value text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT '#responses'::text, ''::text
      UNION ALL
      SELECT q.id, x.value
      FROM (
        SELECT e->>'id' AS id, e->>'type' AS type,
          CASE WHEN i = min(i) FILTER (WHERE e->>'type' IN ('nps', 'csat', 'ces', 'rating')) OVER ()
               THEN to_jsonb(score) ELSE answers -> (e->>'id') END AS a
        FROM jsonb_array_elements(coalesce(questions, '[]'::jsonb)) WITH ORDINALITY AS t(e, i)
      ) q
      CROSS JOIN LATERAL unnest(CASE
        WHEN jsonb_typeof(q.a) = 'array' AND jsonb_array_length(q.a) > 0 THEN
          ARRAY[''] || CASE WHEN q.type = 'multiple_choice'
                            THEN ARRAY(SELECT DISTINCT jsonb_array_elements_text(q.a)) ELSE '{}'::text[] END
        WHEN jsonb_typeof(q.a) = 'number'
          OR (jsonb_typeof(q.a) = 'string' AND btrim(q.a #>> '{}') <> '') THEN
          ARRAY[''] || CASE WHEN q.type IN ('nps', 'csat', 'ces', 'rating', 'yes_no', 'single_choice')
                            THEN ARRAY[q.a #>> '{}'] ELSE '{}'::text[] END
        ELSE '{}'::text[] END) AS x(value)
    $$;

    CREATE TABLE insight_rollups (
      workspace_id uuid NOT NULL,
      survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
      survey_version integer NOT NULL,
      day date NOT NULL,
      question_id text NOT NULL,
      value text NOT NULL,
      n bigint NOT NULL,
      PRIMARY KEY (survey_id, survey_version, day, question_id, value)
    );

    -- Append-only, no index: a minute's worth of answers between compactions, read whole with the rollup.
    CREATE TABLE insight_rollup_deltas (
      workspace_id uuid NOT NULL,
      survey_id uuid NOT NULL,
      survey_version integer NOT NULL,
      day date NOT NULL,
      question_id text NOT NULL,
      value text NOT NULL,
      n bigint NOT NULL
    );

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

    -- Brings what is stored for one version to a raw recount, as one more delta, in one statement (one
    -- snapshot): answers committed later add their own deltas, so nothing is counted twice or lost.
    CREATE FUNCTION rapport_insights_recount(p_survey uuid, p_version integer) RETURNS void LANGUAGE sql AS $$
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

    -- The builder only rewrites the questions of a version nobody answered; should it ever happen under
    -- answers (a race with a public-link answer), the counts follow the new questions.
    CREATE FUNCTION rapport_insights_version_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM rapport_insights_recount(NEW.survey_id, NEW.version);
      RETURN NULL;
    END $$;
    CREATE TRIGGER survey_versions_insights AFTER UPDATE OF questions ON survey_versions
      FOR EACH ROW WHEN (OLD.questions IS DISTINCT FROM NEW.questions)
      EXECUTE FUNCTION rapport_insights_version_changed();

    INSERT INTO insight_rollups (workspace_id, survey_id, survey_version, day, question_id, value, n)
    SELECT r.workspace_id, r.survey_id, r.survey_version, (r.submitted_at AT TIME ZONE 'UTC')::date, c.question_id, c.value, count(*)
    FROM responses r
    LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
    CROSS JOIN LATERAL rapport_insight_cells(v.questions, r.answers, r.score) c
    GROUP BY 1, 2, 3, 4, 5, 6;

    -- The responses table and the comment feeds page newest first with a keyset on (submitted_at, id).
    CREATE INDEX responses_survey_keyset_idx ON responses (survey_id, submitted_at DESC, id DESC);
    DROP INDEX responses_survey_submitted_idx;

    -- "Closing the loop" counts a survey's unhappy answers of the last 30 days from one index range.
    CREATE INDEX conversations_survey_unhappy_idx ON conversations (survey_id, submitted_at) INCLUDE (status, response_id)
      WHERE band IN ('detractor', 'low');
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP INDEX conversations_survey_unhappy_idx;
    CREATE INDEX responses_survey_submitted_idx ON responses (survey_id, submitted_at DESC);
    DROP INDEX responses_survey_keyset_idx;
    DROP TRIGGER survey_versions_insights ON survey_versions;
    DROP TRIGGER responses_insights_insert ON responses;
    DROP TRIGGER responses_insights_update ON responses;
    DROP TRIGGER responses_insights_delete ON responses;
    DROP FUNCTION rapport_insights_version_changed(), rapport_insights_recount(uuid, integer), rapport_insights_count(),
      rapport_insight_cells(jsonb, jsonb, integer);
    DROP TABLE insight_rollup_deltas, insight_rollups;
    ALTER TABLE workspaces DROP COLUMN anonymity_threshold;
  `);
}
