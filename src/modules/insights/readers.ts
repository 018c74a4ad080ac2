import { createDb } from '../../platform/db';

/**
 * The dashboards' own pool (insights pages and exports), apart from the one respondents and the team write
 * through. However many people read dashboards at once, they hold at most `poolMax` connections, so an
 * answer being saved always finds one; and each of their statements is bounded:
 *  - one process each (no parallel workers): a reader never takes every core from a respondent's POST;
 *  - no JIT: its compile time (seconds for the large estimates of a segment's raw rows) is pure cost on
 *    queries that run in tens of milliseconds;
 *  - enough work_mem to group a segment's rows in memory, never by an external sort on disk;
 *  - a statement timeout, so a runaway view is cancelled (and answered 503) rather than held forever.
 */
export const insightsReaders = (url: string, o: { poolMax: number; statementTimeoutMs: number }) =>
  createDb(url, {
    poolMax: o.poolMax,
    statementTimeoutMs: o.statementTimeoutMs,
    settings: { jit: 'off', max_parallel_workers_per_gather: '0', work_mem: '32MB' },
  });
