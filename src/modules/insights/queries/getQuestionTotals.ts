import type { Db } from '../../../platform/db';
import { cellSource, COMPAT_CELLS, compatOf, type Scope } from '../scope';

/** question_id '#responses' value '' = responses; question q, value '' = answered q; other values = that answer. */
export type CellTotal = { questionId: string; value: string; n: number };

/** How many answers each question got, and how many of each value: every distribution of the dashboard. */
export function getQuestionTotals(db: Db, scope: Scope) {
  const src = cellSource(scope);
  return db.query<CellTotal>(
    `SELECT question_id AS "questionId", value, sum(n)::bigint AS n
     FROM ${src.sql} c WHERE ${COMPAT_CELLS}
     GROUP BY 1, 2`,
    { ...src.replacements, compat: compatOf(scope) },
  );
}
