import { QueryTypes, Sequelize, Transaction } from 'sequelize';
import pg from 'pg';

// Postgres returns int8 (COUNT, SUM) as strings to protect precision; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Db = {
  sequelize: Sequelize;
  /** Rows as plain objects, with named `:replacements`. */
  query<T = Record<string, unknown>>(
    sql: string,
    replacements?: Record<string, unknown>,
    tx?: Transaction,
  ): Promise<T[]>;
  one<T = Record<string, unknown>>(
    sql: string,
    replacements?: Record<string, unknown>,
    tx?: Transaction,
  ): Promise<T | undefined>;
  /**
   * For the respondent's hot path: a named prepared statement with positional `$n` values, run on one of the
   * same pool's connections. PostgreSQL parses and plans it once per connection, and nothing re-formats the
   * SQL on each call (Sequelize inlines `:replacements` by scanning the whole text every time).
   */
  prepared<T = Record<string, unknown>>(name: string, sql: string, values: unknown[]): Promise<T[]>;
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export function createDb(url: string, opts: { poolMax?: number } = {}): Db {
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: { max: opts.poolMax ?? 10, min: 0, idle: 10_000, acquire: 30_000 },
    define: { underscored: true, timestamps: false },
  });
  const query = async <T>(sql: string, replacements: Record<string, unknown> = {}, tx?: Transaction) =>
    (await sequelize.query(sql, { replacements, type: QueryTypes.SELECT, transaction: tx })) as T[];
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
    prepared,
    one: async <T>(sql: string, replacements?: Record<string, unknown>, tx?: Transaction) =>
      (await query<T>(sql, replacements, tx))[0],
    transaction: (work) => sequelize.transaction((tx) => work(tx)),
    close: () => sequelize.close(),
  };
}
