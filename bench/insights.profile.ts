/**
 * npx tsx bench/insights.profile.ts <database URL> — the statements one dashboard view runs, on a database kept
 * by `BENCH_KEEP=1 DATABASE_URL=… npm run bench:insights`: for the unfiltered view (first and second time, the
 * second from the rollup cache) and the segment view, how many statements the insights service runs and how
 * long each takes, then `EXPLAIN (ANALYZE, BUFFERS)` of each statement of the last view (PROFILE_EXPLAIN=0 to
 * leave them out). Reads through a pool set up as the dashboards' own (insights/readers.ts). The page's frame
 * (session, survey, segment and teammate lists, waves) is not counted: a handful of key lookups.
 */
import { createDb, type Db } from '../src/platform/db';
import { insightsService } from '../src/modules/insights';
import { surveysService } from '../src/modules/surveys';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { injectReplacements } = require('sequelize/lib/utils/sql') as {
  injectReplacements: (sql: string, dialect: unknown, replacements: Record<string, unknown>) => string;
};

type Logged = { sql: string; params: unknown; ms: number };

/** The same Db, remembering every statement read through it (text, values, time). */
function traced(db: Db, log: Logged[]): Db {
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A) => {
      const t0 = performance.now();
      try {
        return await f(...a);
      } finally {
        log.push({ sql: String(a[0]), params: a[1], ms: performance.now() - t0 });
      }
    };
  return { ...db, query: wrap(db.query), one: wrap(db.one), execute: wrap(db.execute) } as Db;
}

async function main() {
  const url = process.argv[2] ?? process.env.DATABASE_URL;
  if (!url) throw new Error('Give the kept bench database URL.');
  const db = createDb(url, { settings: { jit: 'off', max_parallel_workers_per_gather: '0', work_mem: '32MB' } });
  const log: Logged[] = [];
  const insights = insightsService({ db: traced(db, log), surveys: surveysService(db) });
  const ws = (await db.one<{ id: string; t: number }>('SELECT id, anonymity_threshold AS t FROM workspaces'))!;
  const survey = (await db.one<{ id: string }>('SELECT id FROM surveys ORDER BY created_at LIMIT 1'))!.id;
  const segment = (await db.one<{ id: string }>('SELECT id FROM segments ORDER BY created_at LIMIT 1'))?.id;
  const workspace = { id: ws.id, anonymityThreshold: ws.t };
  const views: [string, Record<string, unknown>][] = [
    ['unfiltered, first view', {}],
    ['unfiltered, again (cache)', {}],
    ...(segment ? ([['segment', { segment }]] as [string, Record<string, unknown>][]) : []),
  ];
  let last: Logged[] = [];
  for (const [name, filters] of views) {
    log.length = 0;
    const t0 = performance.now();
    await insights.dashboard(await insights.view(workspace, survey, filters as never), undefined);
    console.log(`${name}: ${(performance.now() - t0).toFixed(1)} ms, ${log.length} statements`);
    for (const l of log)
      console.log(`  ${l.ms.toFixed(1).padStart(7)} ms  ${l.sql.replace(/\s+/g, ' ').slice(0, 110)}`);
    last = [...log];
  }
  if (process.env.PROFILE_EXPLAIN !== '0')
    for (const l of last) {
      const dialect = (db.sequelize as unknown as { dialect: unknown }).dialect;
      const sql =
        l.params && !Array.isArray(l.params)
          ? injectReplacements(l.sql, dialect, l.params as Record<string, unknown>)
          : l.sql;
      const plan = await db.query<Record<string, string>>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`);
      console.log(`\n=== ${l.sql.replace(/\s+/g, ' ').slice(0, 100)}\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
  await db.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
