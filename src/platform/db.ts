import { QueryTypes, Sequelize, type Transaction } from 'sequelize';
import pg from 'pg';

// Postgres returns int8 (COUNT, SUM) as strings to protect precision; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

// A connected pg client that is idle when its server goes away (a restart, a killed postmaster) emits 'error', and
// an unheard 'error' ends the process. Pools listen only while they hold a client idle (pg-pool drops its listener
// at checkout), so every client gets one listener of its own as it connects, whoever owns it. The client is then
// marked unusable by pg itself, its next query fails, and its pool discards it: nothing is hidden from a query.
const connectClient = pg.Client.prototype.connect as (...args: unknown[]) => unknown;
pg.Client.prototype.connect = function (this: pg.Client, ...args: unknown[]) {
  this.on('error', () => undefined);
  return connectClient.apply(this, args);
} as typeof pg.Client.prototype.connect;

/** A transaction, as `Db.transaction` hands it to its work; pass it on to run a statement inside it. */
export type Tx = Transaction;

/**
 * A statement's values: named `:replacements` (an object), inlined by Sequelize, or positional `$1…$n` bind
 * values (an array), sent apart from the SQL text — for large arrays (a wave's 100,000 tokens) and bytea.
 */
export type Params = Record<string, unknown> | unknown[];

/**
 * The one way to talk to the database. Sequelize is the pool and the transactions; every statement is SQL.
 * Reads return plain rows; writes return how many rows they changed (no `RETURNING` needed to run one);
 * a write whose new values you need (`RETURNING id`) is read with `query` or `one`.
 */
export type Db = {
  /** Rows as plain objects (a write with RETURNING returns its rows). */
  query<T = Record<string, unknown>>(sql: string, params?: Params, tx?: Tx): Promise<T[]>;
  /** The first row, or undefined. */
  one<T = Record<string, unknown>>(sql: string, params?: Params, tx?: Tx): Promise<T | undefined>;
  /** A write (INSERT, UPDATE, DELETE, DDL): how many rows it changed. */
  execute(sql: string, params?: Params, tx?: Tx): Promise<number>;
  /**
   * For the respondent's hot path: a named prepared statement with positional `$n` values, run on one of the
   * same pool's connections. PostgreSQL parses and plans it once per connection, and nothing re-formats the
   * SQL on each call (Sequelize inlines `:replacements` by scanning the whole text every time).
   */
  prepared<T = Record<string, unknown>>(name: string, sql: string, values: unknown[]): Promise<T[]>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** The Sequelize instance itself: only for the migrator's bookkeeping (umzug's SequelizeStorage). */
  sequelize: Sequelize;
};

export type DbOptions = {
  poolMax?: number;
  /** Server settings for every connection of this pool (`-c name=value` at connect), e.g. `{ jit: 'off' }`. */
  settings?: Record<string, string>;
  /** Statements running longer are cancelled by the server (SQLSTATE 57014). */
  statementTimeoutMs?: number;
};

export function createDb(url: string, opts: DbOptions = {}): Db {
  const settings = Object.entries(opts.settings ?? {});
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: { max: opts.poolMax ?? 10, min: 0, idle: 10_000, acquire: 30_000 },
    dialectOptions: {
      ...(settings.length ? { options: settings.map(([k, v]) => `-c ${k}=${v}`).join(' ') } : {}),
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    },
    define: { underscored: true, timestamps: false },
  });
  // No values, no replacements: the text goes as written (a migration's `:=` or `$$` bodies included).
  const values = (params?: Params) =>
    Array.isArray(params) ? { bind: params } : params ? { replacements: params } : {};
  const query = async <T>(sql: string, params?: Params, tx?: Tx) =>
    (await sequelize.query(sql, { ...values(params), type: QueryTypes.SELECT, transaction: tx })) as T[];
  // An UPDATE-typed query answers [rows, rowCount] for any statement in the postgres dialect.
  const execute = async (sql: string, params?: Params, tx?: Tx) => {
    const [, count] = (await sequelize.query(sql, { ...values(params), type: QueryTypes.UPDATE, transaction: tx })) as [
      unknown,
      number,
    ];
    return count;
  };
  const connections = sequelize.connectionManager;
  const prepared = async <T>(name: string, text: string, values: unknown[]) => {
    const client = (await connections.getConnection({ type: 'write' })) as pg.Client;
    try {
      const { rows } = await client.query({ name, text, values });
      connections.releaseConnection(client);
      return rows as T[];
    } catch (err) {
      // The server refusing a statement leaves the connection usable; a broken socket does not.
      if (err instanceof pg.DatabaseError) connections.releaseConnection(client);
      else await connections.destroyConnection(client).catch(() => undefined);
      throw err;
    }
  };
  return {
    sequelize,
    query,
    one: async <T>(sql: string, params?: Params, tx?: Tx) => (await query<T>(sql, params, tx))[0],
    execute,
    prepared,
    transaction: (work) => sequelize.transaction((tx) => work(tx)),
    close: () => sequelize.close(),
  };
}
