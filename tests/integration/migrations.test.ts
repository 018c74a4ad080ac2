import { createTestDatabase } from '../helpers/testDb';
import { createDb } from '../../src/platform/db';
import { migrate } from '../../src/platform/migrator';

it('several instances migrating at once apply each migration exactly once', async () => {
  const database = await createTestDatabase(); // already migrated once
  await database.db.query('DROP TABLE schema_migrations, mailbox_messages, responses, deliveries, waves, contacts, survey_versions, surveys, session, users, workspaces, app_secrets');
  const instances = [createDb(database.url), createDb(database.url), createDb(database.url)];
  try {
    const results = await Promise.all(instances.map((db) => migrate(db)));
    expect(results.flat()).toEqual(['20261125000000-initial']);
    const rows = await database.db.query<{ name: string }>('SELECT name FROM schema_migrations');
    expect(rows).toEqual([{ name: '20261125000000-initial' }]);
  } finally {
    await Promise.all(instances.map((db) => db.close()));
    await database.drop();
  }
});
