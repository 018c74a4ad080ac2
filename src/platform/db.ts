import { QueryTypes, Sequelize, Transaction } from 'sequelize';
import pg from 'pg';

// Postgres returns int8 (COUNT, SUM) as strings to protect precision; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Db = {
  sequelize: Sequelize;
  /** Rows as plain objects, with named `:replacements`. */
  query<T = Record<string, unknown>>(sql: string, replacements?: Record<string, unknown>, tx?: Transaction): Promise<T[]>;
  one<T = Record<string, unknown>>(sql: string, replacements?: Record<string, unknown>, tx?: Transaction): Promise<T | undefined>;
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
  return {
    sequelize,
    query,
    one: async <T>(sql: string, replacements?: Record<string, unknown>, tx?: Transaction) =>
      (await query<T>(sql, replacements, tx))[0],
    transaction: (work) => sequelize.transaction((tx) => work(tx)),
    close: () => sequelize.close(),
  };
}
