import type { MigrationContext } from '../src/platform/migrator';

/**
 * Retention: a workspace may keep answers only so long (its policy: months, and whether old answers are
 * anonymised or deleted). Without a policy nothing is ever removed.
 *
 * An anonymised answer is marked (`anonymised_at`) so the sweep never picks it again. The sweep finds the
 * still-personal answers of a workspace, oldest first, through a partial index that holds only unmarked rows:
 * the ones it has done drop out of it, so each batch costs the same however many were done before (without
 * it, every batch would walk past all the anonymised rows again). Its price is one more index entry per new
 * answer on the respondent's POST. A policy that deletes also takes answers anonymised earlier: those are
 * found through a second partial index, of anonymised rows only, which a new answer never enters.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE retention_policies (
      workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
      months integer NOT NULL CHECK (months BETWEEN 1 AND 240),
      action text NOT NULL CHECK (action IN ('anonymise', 'delete')),
      updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    ALTER TABLE responses ADD COLUMN anonymised_at timestamptz;
    CREATE INDEX responses_retention_idx ON responses (workspace_id, submitted_at) WHERE anonymised_at IS NULL;
    CREATE INDEX responses_anonymised_idx ON responses (workspace_id, submitted_at) WHERE anonymised_at IS NOT NULL;
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP INDEX responses_anonymised_idx, responses_retention_idx;
    ALTER TABLE responses DROP COLUMN anonymised_at;
    DROP TABLE retention_policies;
  `);
}
