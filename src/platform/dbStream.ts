import type { Readable } from 'node:stream';
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { to as copyTo } from 'pg-copy-streams';
// Sequelize's own inliner of :named replacements, the one every db.query goes through; COPY takes no
// parameters, so a streamed statement is inlined the same way.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { injectReplacements } = require('sequelize/lib/utils/sql') as {
  injectReplacements: (sql: string, dialect: unknown, replacements: Record<string, unknown>) => string;
};
import type { Db } from './db';

/**
 * A statement whose result is streamed, on a connection borrowed from the pool for as long as it runs.
 * Backpressure holds: the rows are read from the socket only as fast as the consumer takes them.
 *
 * The connection goes back to the pool only after a clean end. A stream that errors or is destroyed early
 * (a client that disconnects mid-export) closes its connection instead: a connection left mid-COPY or
 * mid-cursor must never serve another query, and closing it makes the server stop the statement.
 */
async function borrow<S extends Readable>(
  db: Db,
  start: (client: pg.Client) => S,
  opts: StreamOptions = {},
): Promise<S> {
  const manager = db.sequelize.connectionManager;
  const client = (await manager.getConnection({ type: 'write' })) as pg.Client;
  let settled = false;
  const settle = (clean: boolean) => {
    if (settled) return;
    settled = true;
    if (!clean) void manager.destroyConnection(client).catch(() => undefined);
    // The pool's own bound (set at connect) comes back before anyone else borrows the connection.
    else if (opts.statementTimeoutMs !== undefined)
      client.query('RESET statement_timeout').then(
        () => manager.releaseConnection(client),
        () => void manager.destroyConnection(client).catch(() => undefined),
      );
    else manager.releaseConnection(client);
  };
  if (opts.statementTimeoutMs !== undefined) {
    try {
      await client.query(`SET statement_timeout = ${Math.max(0, Math.floor(opts.statementTimeoutMs))}`);
    } catch (err) {
      settle(false);
      throw err;
    }
  }
  let stream: S;
  try {
    stream = start(client);
  } catch (err) {
    settle(false);
    throw err;
  }
  let ended = false;
  stream.once('end', () => {
    ended = true;
    settle(true);
  });
  stream.once('error', () => settle(false));
  stream.once('close', () => settle(ended));
  return stream;
}

/**
 * A stream's own statement timeout, instead of its pool's: an export of every row is meant to run far longer
 * than a dashboard's statement may.
 */
export type StreamOptions = { statementTimeoutMs?: number };

const inline = (db: Db, sql: string, replacements: Record<string, unknown>) =>
  injectReplacements(sql, (db.sequelize as unknown as { dialect: unknown }).dialect, replacements);

/** `COPY (sql) TO STDOUT WITH (options)`: PostgreSQL formats every row itself (the fastest way out). */
export const copyOut = (
  db: Db,
  sql: string,
  replacements: Record<string, unknown>,
  options: string,
  opts: StreamOptions = {},
) =>
  borrow(
    db,
    (client) => client.query(copyTo(`COPY (${inline(db, sql, replacements)}) TO STDOUT WITH (${options})`)),
    opts,
  );

/** Rows through a server-side cursor, `batchSize` at a time (object mode). */
export const queryStream = (
  db: Db,
  sql: string,
  replacements: Record<string, unknown>,
  opts: StreamOptions & { batchSize?: number } = {},
) =>
  borrow(
    db,
    (client) => client.query(new QueryStream(inline(db, sql, replacements), [], { batchSize: opts.batchSize ?? 1000 })),
    opts,
  );
