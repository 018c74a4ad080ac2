import type { MigrationContext } from '../src/platform/migrator';

/**
 * The rollup's compaction epoch: one row, bumped by the compactor in the transaction that folds deltas into
 * `insight_rollups` (its only writer). With the count of a survey's pending deltas (which only grows between
 * compactions) it is the version the dashboards' cache keys its entries on (insights/rollupCache.ts). It is
 * written once a minute at most, by one instance at a time (the compactor's advisory lock), never by an answer.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE insight_rollup_epoch (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      epoch bigint NOT NULL
    );
    INSERT INTO insight_rollup_epoch (epoch) VALUES (1);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`DROP TABLE insight_rollup_epoch;`);
}
