import type { MigrationContext } from '../src/platform/migrator';

/**
 * rapport_insights_image (20261205210000) in PL/pgSQL. As a SQL function with an aggregate it is never
 * inlined, and each call ran as a query of its own: ~100 µs more per answer on the respondent's POST, as much as
 * the statement triggers it replaced. A PL/pgSQL loop over the version's few questions, with its plans kept for
 * the session, costs the POST about what the plain row image did (2,000 upserts, best of six, on this shared
 * machine: statement triggers 919 µs, PL/pgSQL image 573 µs, plain image 545 µs per upsert). Same result.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE OR REPLACE FUNCTION rapport_insights_image(questions jsonb, answers jsonb) RETURNS jsonb
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
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE OR REPLACE FUNCTION rapport_insights_image(questions jsonb, answers jsonb) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(jsonb_object_agg(q->>'id',
        CASE WHEN jsonb_typeof(answers -> (q->>'id')) = 'string'
               AND coalesce(q->>'type', '') NOT IN ('nps', 'csat', 'ces', 'rating', 'yes_no', 'single_choice')
             THEN to_jsonb(CASE WHEN btrim(answers ->> (q->>'id')) <> '' THEN 'x' ELSE '' END)
             ELSE answers -> (q->>'id') END), '{}'::jsonb)
      FROM jsonb_array_elements(coalesce(questions, '[]'::jsonb)) q
      WHERE answers ? (q->>'id')
    $$;
  `);
}
