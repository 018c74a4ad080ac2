import type { Db, Tx } from '../../platform/db';

// Several instances tick at once; one compacts, the others skip.
const COMPACT_LOCK = 724_012;

/**
 * Moves the pending deltas and row images into the rollup (see migrations 20261202300000, 20261205200000 and
 * rapport_insights_fold in 20261205230000), in one statement: a reader summing rollup + what is unfolded sees
 * the counts either all before or all after. Cells of a survey deleted since are dropped. Returns how many
 * pending rows were folded; the rollup's epoch (the dashboards' cache version) moves when there were any.
 */
export async function compactRollups(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const lock = await db.one<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${COMPACT_LOCK}) AS ok`, {}, tx);
    if (!lock?.ok) return 0;
    return fold(db, tx);
  });
}

const fold = async (db: Db, tx: Tx) =>
  Number((await db.one<{ moved: number }>(`SELECT rapport_insights_fold() AS moved`, {}, tx))?.moved ?? 0);

/**
 * The same fold, inside a transaction that has just taken free text away from answers (a contact's erasure,
 * the retention sweep): the pending images of those answers still hold the text, and must leave the database
 * with the commit that erases it, not a minute later. Waits for a running compaction rather than skipping.
 */
export async function foldRollupsNow(db: Db, tx: Tx): Promise<number> {
  await db.query(`SELECT pg_advisory_xact_lock(${COMPACT_LOCK})`, {}, tx);
  return fold(db, tx);
}

/** The minute job: keeps the deltas a reader sums small. */
export const rollupCompactor = (db: Db) => ({ tick: () => compactRollups(db) });
