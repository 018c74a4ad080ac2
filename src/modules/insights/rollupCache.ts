import type { Db } from '../../platform/db';
import type { Scope } from './scope';

/**
 * A small cache of what the unfiltered views read from the rollup (totals, trend densities, trend points, the
 * last two 30-day periods), so a dashboard opened again costs one tiny query instead of four rollup reads.
 *
 * Never stale: every entry is stored under the rollup's *version* of its survey, read before the numbers, and
 * a reader uses an entry only when the version it reads now is the same. The version is
 *  - the compaction epoch (`insight_rollup_epoch`, bumped in the compactor's transaction whenever it folds
 *    deltas: the only writer of `insight_rollups`), and
 *  - how many rows of the survey are pending in each of the two unfolded tables: every change of an answer
 *    (new, changed, its text edited or erased, deleted) appends a row image to `insight_rollup_pending`, a
 *    recount appends cell deltas, and both are only ever removed by a compaction, so within one epoch the
 *    counts only grow;
 *  - and the UTC day, which moves "the last 30 days" and the trend's end.
 * Same version, same rows under the rollup + deltas a reader sums, so the same numbers. Reading it costs a scan
 * of the pending deltas (a minute's worth) and no write at all: the respondent's POST pays nothing, where a
 * counter bumped per answer would be one hot row every respondent of a survey waits on.
 *
 * Views narrowed to people are never cached: they change with the contacts (a tag, a segment), not only with
 * the answers.
 */
export function rollupCache(db: Db, opts: { maxEntries?: number } = {}) {
  const maxEntries = opts.maxEntries ?? 500;
  // Insertion order is recency order: a hit is moved to the end, the oldest entry is evicted first.
  const entries = new Map<string, { version: string; value: Promise<unknown> }>();
  const stats = { hits: 0, misses: 0 };

  async function version(surveyId: string) {
    const row = await db.one<{ v: string }>(
      `SELECT (SELECT epoch FROM insight_rollup_epoch)::text
         || '/' || (SELECT count(*) FROM insight_rollup_deltas WHERE survey_id = :surveyId)::text
         || '/' || (SELECT count(*) FROM insight_rollup_pending WHERE survey_id = :surveyId)::text
         || '/' || ((now() AT TIME ZONE 'UTC')::date)::text AS v`,
      { surveyId },
    );
    return row!.v;
  }

  return {
    stats,

    /**
     * The readers of one request: each call gives the cached value for (what, scope, args) at the version read
     * once for the request, or computes and keeps it. A narrowed scope always computes.
     */
    async forScope(scope: Scope) {
      if (scope.people) return <T>(_what: string, compute: () => Promise<T>) => compute();
      const at = await version(scope.surveyId);
      const scopeKey = JSON.stringify([
        scope.workspaceId,
        scope.surveyId,
        scope.versions,
        scope.compat,
        scope.from,
        scope.to,
      ]);
      return <T>(what: string, compute: () => Promise<T>): Promise<T> => {
        const key = `${what}|${scopeKey}`;
        const hit = entries.get(key);
        if (hit && hit.version === at) {
          stats.hits++;
          entries.delete(key);
          entries.set(key, hit);
          return hit.value as Promise<T>;
        }
        stats.misses++;
        const value = compute();
        entries.delete(key);
        entries.set(key, { version: at, value });
        // A failed read is not kept: the next reader asks again.
        value.catch(() => {
          if (entries.get(key)?.value === value) entries.delete(key);
        });
        while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
        return value;
      };
    },
  };
}
export type RollupCache = ReturnType<typeof rollupCache>;
