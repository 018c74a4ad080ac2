import type { Db } from '../../platform/db';
import { databaseClock } from '../../platform/clock';

/** The database clock: every instance agrees on it, whatever its own clock says. */
export const databaseNow = (db: Db) => databaseClock(db)();
