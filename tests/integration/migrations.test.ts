import fs from 'node:fs';
import path from 'node:path';
import { createTestDatabase } from '../helpers/testDb';
import { createDb } from '../../src/platform/db';
import { migrate } from '../../src/platform/migrator';

const migrationNames = fs
  .readdirSync(path.join(__dirname, '../../migrations'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

it('several instances migrating at once apply each migration exactly once', async () => {
  const database = await createTestDatabase(); // already migrated once: start again from an empty schema
  await database.db.execute('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  const instances = [createDb(database.url), createDb(database.url), createDb(database.url)];
  try {
    const results = await Promise.all(instances.map((db) => migrate(db)));
    expect(results.flat().sort()).toEqual(migrationNames);
    const rows = await database.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(migrationNames);
    // Names are stored without extension: the compiled .js files will be recognised as already applied.
    expect(rows.every((r) => !/\.(ts|js)$/.test(r.name))).toBe(true);
  } finally {
    await Promise.all(instances.map((db) => db.close()));
    await database.drop();
  }
});
