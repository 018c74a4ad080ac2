import type { MigrationContext } from '../src/platform/migrator';

/**
 * The pending row images of 20261205200000 hold no free text. They copied a response's whole `answers`, so a
 * comment stripped by a contact's erasure (or the retention sweep) stayed readable in `insight_rollup_pending`,
 * and in a backup taken then, until the next fold. What the cells need of an open answer is only whether it
 * was given: each image now keeps, per question of its version, the answer itself for the questions counted by
 * value (scales, yes/no, single and multiple choice) and "x" or "" for any other text, the same reduction the
 * narrowed views make before they count (getPeopleDayCells). Keys that are no question of the version are left
 * out (the cells never read them). Same cells, so same numbers; the images already pending are reduced too.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE FUNCTION rapport_insights_image(questions jsonb, answers jsonb) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(jsonb_object_agg(q->>'id',
        CASE WHEN jsonb_typeof(answers -> (q->>'id')) = 'string'
               AND coalesce(q->>'type', '') NOT IN ('nps', 'csat', 'ces', 'rating', 'yes_no', 'single_choice')
             THEN to_jsonb(CASE WHEN btrim(answers ->> (q->>'id')) <> '' THEN 'x' ELSE '' END)
             ELSE answers -> (q->>'id') END), '{}'::jsonb)
      FROM jsonb_array_elements(coalesce(questions, '[]'::jsonb)) q
      WHERE answers ? (q->>'id')
    $$;

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

    UPDATE insight_rollup_pending p
    SET answers = rapport_insights_image((SELECT v.questions FROM survey_versions v
                                          WHERE v.survey_id = p.survey_id AND v.version = p.survey_version), p.answers);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
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
  `);
}
