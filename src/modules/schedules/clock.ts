import type { Db } from '../../platform/db';

/** The database clock: every instance agrees on it, whatever its own clock says. */
export const databaseNow = async (db: Db) => (await db.one<{ now: Date }>('SELECT now() AS now'))!.now;
