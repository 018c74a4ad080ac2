import path from 'node:path';
import { Umzug, SequelizeStorage } from 'umzug';
import type { Db } from './db';

export type MigrationContext = { query: (sql: string) => Promise<unknown> };
type MigrationModule = {
  up: (ctx: MigrationContext) => Promise<void>;
  down?: (ctx: MigrationContext) => Promise<void>;
};

// Any number of instances may start at once; the first to take this lock migrates, the rest wait.
const MIGRATION_LOCK = 724_011;

/**
 * Migrations live in migrations/ as .ts (tests) or compiled .js (production). Names are stored without the
 * extension, so a migration that ran from one never re-runs from the other.
 */
export function createMigrator(db: Db) {
  const dir = path.resolve(__dirname, '../../migrations');
  const context: MigrationContext = { query: (sql) => db.execute(sql) };
  // Each migration runs in its own transaction: one that fails leaves nothing half-applied.
  const inTransaction = (step: (ctx: MigrationContext) => Promise<void>) => () =>
    db.transaction((tx) => step({ query: (sql) => db.execute(sql, undefined, tx) }));
  return new Umzug<MigrationContext>({
    migrations: {
      glob: ['*.{js,ts}', { cwd: dir, ignore: ['*.d.ts'] }],
      resolve: ({ name, path: file }) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(file!) as MigrationModule;
        return {
          name: name.replace(/\.(js|ts)$/, ''),
          up: inTransaction(mod.up),
          down: inTransaction(mod.down ?? (async () => undefined)),
        };
      },
    },
    context,
    storage: new SequelizeStorage({ sequelize: db.sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
}

export async function migrate(db: Db): Promise<string[]> {
  // A transaction-scoped advisory lock is released by COMMIT or by the connection dying: it can never leak.
  return db.transaction(async (tx) => {
    await db.query('SELECT pg_advisory_xact_lock(:key)', { key: MIGRATION_LOCK }, tx);
    const done = await createMigrator(db).up();
    return done.map((m) => m.name);
  });
}
