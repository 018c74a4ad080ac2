import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { Db, Tx } from './db';
import { isDatabaseUnavailable } from './dbErrors';
import type { Logger } from './logger';

/**
 * Reads that may go to a streaming replica (DATABASE_REPLICA_URL): dashboards, exports and the API's reads of
 * responses and metrics take `readers`, a Db that answers from the replica when that is safe, else from the
 * primary. Every write, the respondent's pages, the outbox and the jobs never see it: they hold the primary.
 *
 * When the replica is not safe to read, per request:
 *  - **Read your own writes.** A client (a signed-in session, an API key) that wrote in the last `maxLagMs`
 *    reads from the replica only if it has replayed the primary's WAL up to now (pg_current_wal_lsn() on the
 *    primary ≤ pg_last_wal_replay_lsn() on the replica): so "Save, then the page" never shows the page from
 *    before the save, however far behind the replica is. Two tiny queries, and only for such a client.
 *  - **Too far behind.** Any client: a replica with WAL received but not replayed for more than `maxLagMs`
 *    is not read (checked at most once a second, on demand).
 *  - **Down.** A replica that cannot be reached is not read until the next check; the statement that found
 *    out runs again on the primary.
 * The choice is made once per request, before its first statement (AsyncLocalStorage carries it), so one
 * page never mixes the two.
 */
export type ReadRouting = {
  readers: Db;
  /**
   * Notes a write by this client (a session, an API key): once the response is sent (the write committed), the
   * primary's WAL position is kept, and its next reads go to the replica only once it has replayed that far.
   */
  wrote: (client: string, res: Response) => void;
  /**
   * Chooses the request's reader. `client` names whoever sends it (as given to `wrote`); `wroteAt` is when it
   * last wrote as far as any instance knows (a session's stamp), for a write this instance did not see.
   */
  choose: (
    clientOf: (req: Request) => { client?: string; wroteAt?: number },
  ) => (req: Request, res: Response, next: NextFunction) => void;
  close: () => Promise<void>;
};

type Choice = { db: Db; replica: boolean };
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A request that may change something (anything but GET, HEAD, OPTIONS). */
export const isWrite = (req: Request) => !SAFE.has(req.method);

export function readRouting(primary: Db, replica: Db, o: { maxLagMs: number; log: Logger }): ReadRouting {
  const chosen = new AsyncLocalStorage<Choice>();
  // Writes seen by this instance: when, and the primary's WAL position once the response was sent.
  const writes = new Map<string, { at: number; lsn: Promise<bigint | undefined> }>();
  const onReplica: Choice = { db: replica, replica: true };
  const onPrimary: Choice = { db: primary, replica: false };

  let health: { ok: boolean; at: number } = { ok: true, at: 0 };
  let checking: Promise<boolean> | undefined;
  const HEALTH_EVERY_MS = 1000;

  /** The replica answers, and has not left received WAL unreplayed for longer than maxLagMs. */
  async function replicaHealthy(): Promise<boolean> {
    if (Date.now() - health.at < HEALTH_EVERY_MS) return health.ok;
    checking ??= (async () => {
      let ok: boolean;
      try {
        const row = await replica.one<{ lagMs: number | null }>(
          `SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
             ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 END AS "lagMs"`,
        );
        ok = row?.lagMs !== null && row?.lagMs !== undefined && row.lagMs <= o.maxLagMs;
        if (!ok) o.log.warn({ lagMs: row?.lagMs }, 'replica too far behind: dashboards read from the primary');
      } catch (err) {
        ok = false;
        o.log.warn({ err: (err as Error).message }, 'replica unreachable: dashboards read from the primary');
      }
      health = { ok, at: Date.now() };
      return ok;
    })().finally(() => (checking = undefined));
    return checking;
  }

  const replayed = async () => {
    const r = await replica.one<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
    return r?.lsn ? lsnValue(r.lsn) : -1n;
  };
  const primaryAt = async () =>
    lsnValue((await primary.one<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'))!.lsn);

  async function decide(client: string | undefined, wroteAt: number | undefined): Promise<Choice> {
    if (!(await replicaHealthy())) return onPrimary;
    const recent = (at: number | undefined) => at !== undefined && Date.now() - at <= o.maxLagMs;
    const seen = client ? writes.get(client) : undefined;
    if (seen && !recent(seen.at)) writes.delete(client!);
    // A write this instance saw: exactly as far as its commit.
    const lsn = seen && recent(seen.at) ? await seen.lsn : undefined;
    if (lsn !== undefined) return (await replayed()) >= lsn ? onReplica : onPrimary;
    // A write another instance saw (or whose position could not be read): everything the primary has so far.
    if (recent(wroteAt) || seen) return (await replayed()) >= (await primaryAt()) ? onReplica : onPrimary;
    return onReplica;
  }

  // Only a request that went through `choose` reads from the replica; anything else (a route mounted without
  // it, a job) stays on the primary.
  const current = () => chosen.getStore() ?? onPrimary;
  // A statement the replica could not take (it went away) runs on the primary, and the replica rests until
  // the next health check.
  async function run<T>(work: (db: Db) => Promise<T>): Promise<T> {
    const choice = current();
    if (!choice.replica) return work(primary);
    if (!health.ok) return work(primary);
    try {
      return await work(replica);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      health = { ok: false, at: Date.now() };
      o.log.warn({ err: (err as Error).message }, 'replica unreachable: reading from the primary');
      return work(primary);
    }
  }

  // A statement inside a transaction runs on the pool that opened it.
  const ownerOf = (tx: Tx) =>
    (tx as unknown as { sequelize: unknown }).sequelize === replica.sequelize ? replica : primary;
  const readers: Db = {
    query: (sql, params, tx) => (tx ? ownerOf(tx).query(sql, params, tx) : run((db) => db.query(sql, params))),
    one: (sql, params, tx) => (tx ? ownerOf(tx).one(sql, params, tx) : run((db) => db.one(sql, params))),
    execute: (sql, params, tx) => (tx ? ownerOf(tx).execute(sql, params, tx) : run((db) => db.execute(sql, params))),
    prepared: (name, sql, values) => run((db) => db.prepared(name, sql, values)),
    transaction: (work) => run((db) => db.transaction(work)),
    // The pools belong to whoever made them (boot.ts closes both).
    close: async () => undefined,
    // Streams (exports) take a connection of the chosen pool directly (platform/dbStream.ts).
    get sequelize() {
      return current().replica && health.ok ? replica.sequelize : primary.sequelize;
    },
  };

  return {
    readers,
    wrote(client, res) {
      let settle: (lsn: bigint | undefined) => void = () => undefined;
      const lsn = new Promise<bigint | undefined>((resolve) => (settle = resolve));
      writes.set(client, { at: Date.now(), lsn });
      // The response is sent after the write committed: the primary's position then covers it.
      res.once('close', () => primaryAt().then(settle, () => settle(undefined)));
      // Kept only as long as it matters: older than maxLagMs, a write needs no check.
      if (writes.size > 10_000) for (const [k, w] of writes) if (Date.now() - w.at > o.maxLagMs) writes.delete(k);
    },
    choose: (clientOf) => (req, _res, next) => {
      // A write's own reads (a form redrawn with its error, a value checked before saving) stay with it.
      if (isWrite(req)) return chosen.run(onPrimary, next);
      const { client, wroteAt } = clientOf(req);
      decide(client, wroteAt).then(
        (choice) => chosen.run(choice, next),
        () => chosen.run(onPrimary, next),
      );
    },
    close: () => replica.close(),
  };
}

/** An LSN ("16/B374D848") as a number that compares like the WAL position. */
function lsnValue(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}
