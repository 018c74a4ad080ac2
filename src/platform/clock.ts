import type { Db } from './db';

/**
 * Where "now" comes from, for a job's run or a page's figures (how long a customer has waited): given at the
 * edge (`buildApp(deps)`, a job's `now`), so a test can fix it.
 */
export type Clock = () => Promise<Date>;

/** The database clock: every instance agrees on it, whatever its own clock says. */
export const databaseClock =
  (db: Db): Clock =>
  async () =>
    (await db.one<{ now: Date }>('SELECT now() AS now'))!.now;
