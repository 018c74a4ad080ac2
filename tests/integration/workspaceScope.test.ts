import { createTestDatabase, type ScratchDatabase } from '../helpers/testDb';

/**
 * The path past one PostgreSQL (docs/scaling.md) is Citus distributing by `workspace_id`: every table of a
 * workspace's data must carry it, so all of a workspace's rows live on one node and its joins stay there. This
 * lists every table the migrations make and fails for one that neither carries the column nor is named here
 * as install-wide, with the reason it is. A new table: add `workspace_id`, or add it here and say why.
 */
const INSTALL_WIDE: Record<string, string> = {
  workspaces: 'the distribution key itself: its id is every other table’s workspace_id',
  app_secrets: 'the install’s own key (signs sessions, seals tokens), one for all workspaces',
  insight_rollup_epoch:
    'one counter for the whole rollup: bumped by the compactor, which folds every workspace at once',
  schema_migrations: 'the migrator’s bookkeeping: one schema for the whole install',
  session:
    'connect-pg-simple’s store: a browser has a session before it signs in to any workspace (a reference table, or the coordinator’s own, under Citus)',
  password_resets:
    'a person’s, not a workspace’s: one account signs in to all its workspaces, and its password is reset once for all',
  recovery_codes:
    'a person’s two-factor recovery codes: one account signs in to all its workspaces with one second factor',
  user_identities:
    'a person’s single sign-on link (issuer, subject): one account signs in to all its workspaces with one provider account',
  rate_limit_hits:
    'counters per client address for public links, across workspaces: an abuser is one address whatever survey they hit',
};

let database: ScratchDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

it('every table carries workspace_id, or is listed as install-wide with its reason', async () => {
  const tables = await database.db.query<{ name: string; scoped: boolean; nullable: boolean }>(
    `SELECT t.table_name AS name, c.column_name IS NOT NULL AS scoped, coalesce(c.is_nullable = 'YES', false) AS nullable
     FROM information_schema.tables t
     LEFT JOIN information_schema.columns c
       ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'workspace_id'
     WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY 1`,
  );
  expect(tables.length).toBeGreaterThan(20);
  const unscoped = tables.filter((t) => !t.scoped && !(t.name in INSTALL_WIDE)).map((t) => t.name);
  expect(unscoped).toEqual([]);
  // The list says what is: a table listed here that now carries the column (or is gone) is taken off it.
  const stale = Object.keys(INSTALL_WIDE).filter((name) => !tables.some((t) => t.name === name && !t.scoped));
  expect(stale).toEqual([]);
  // Citus needs the value on every row; only the mailbox's unstamped copies (shown to nobody) and received mail
  // that no workspace can be told from (inbound's unmatched, shown to the install's first workspace) may lack it.
  expect(tables.filter((t) => t.scoped && t.nullable).map((t) => t.name)).toEqual([
    'inbound_messages',
    'mailbox_messages',
  ]);
});

it('a child row written without its workspace gets its parent’s', async () => {
  const { db } = database;
  const ws = (await db.one<{ id: string }>(
    `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('W', 'W', 'W') RETURNING id`,
  ))!.id;
  const survey = (await db.one<{ id: string }>(
    `INSERT INTO surveys (workspace_id, title, template) VALUES (:ws, 'S', 'blank') RETURNING id`,
    { ws },
  ))!.id;
  await db.execute(`INSERT INTO survey_versions (survey_id, version, questions) VALUES (:survey, 1, '[]')`, { survey });
  expect(await db.one(`SELECT workspace_id FROM survey_versions WHERE survey_id = :survey`, { survey })).toEqual({
    workspace_id: ws,
  });
});
