import type { MigrationContext } from '../src/platform/migrator';

/**
 * Dashboards that cost the same at ten answers or ten million:
 *  - "Closing the loop" counts the last 30 days' closed unhappy conversations from an index of those alone
 *    (the unhappy ones come from the rollup, the replied ones from the replies), no longer by reading every
 *    unhappy conversation of the month.
 *  - rapport_insight_cells returns a handful of cells per response, not the 1,000 rows PostgreSQL assumes of a
 *    set-returning function: a segment's view was planned for a hundred million cells (and JIT-compiled for
 *    seconds) where it yields tens of thousands.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE INDEX conversations_survey_closed_unhappy_idx ON conversations (survey_id, submitted_at)
      WHERE band IN ('detractor', 'low') AND status = 'closed';
    ALTER FUNCTION rapport_insight_cells(jsonb, jsonb, integer) ROWS 4;
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER FUNCTION rapport_insight_cells(jsonb, jsonb, integer) ROWS 1000;
    DROP INDEX conversations_survey_closed_unhappy_idx;
  `);
}
