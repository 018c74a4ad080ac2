import type { MigrationContext } from '../src/platform/migrator';

/**
 * Every table of a workspace's data carries `workspace_id`, so the path past one PostgreSQL stays open: Citus
 * distributes tables by one column and keeps rows with the same value on the same node, so a workspace's
 * joins never leave its node (docs/scaling.md). Five child tables were scoped only through their parent; they
 * get the column here, filled from the parent.
 *
 * Their writers need not change: a BEFORE INSERT trigger copies the parent's workspace when a row comes
 * without one (a primary-key read of the parent), and a writer that knows it passes it and skips the trigger.
 * No foreign key to workspaces: the parent's own (ON DELETE CASCADE) already removes these rows with the
 * workspace, and a second check would cost every insert — response_clicks is on the respondent's GET.
 */
const CHILDREN: [table: string, parent: string, key: string][] = [
  ['survey_versions', 'surveys', 'survey_id'],
  ['response_clicks', 'deliveries', 'delivery_id'],
  ['scanned_deliveries', 'deliveries', 'delivery_id'],
  ['contact_import_chunks', 'contact_imports', 'import_id'],
  ['contact_import_refusals', 'contact_imports', 'import_id'],
];

export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE FUNCTION rapport_workspace_of_parent() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- TG_ARGV: the parent table and this table's column pointing at its id.
      EXECUTE format('SELECT workspace_id FROM %I WHERE id = $1', TG_ARGV[0])
        INTO NEW.workspace_id USING (to_jsonb(NEW) ->> TG_ARGV[1])::uuid;
      RETURN NEW;
    END $$;
  `);
  for (const [table, parent, key] of CHILDREN) {
    await query(`
      ALTER TABLE ${table} ADD COLUMN workspace_id uuid;
      UPDATE ${table} t SET workspace_id = p.workspace_id FROM ${parent} p WHERE p.id = t.${key};
      ALTER TABLE ${table} ALTER COLUMN workspace_id SET NOT NULL;
      CREATE TRIGGER ${table}_workspace BEFORE INSERT ON ${table}
        FOR EACH ROW WHEN (NEW.workspace_id IS NULL) EXECUTE FUNCTION rapport_workspace_of_parent('${parent}', '${key}');
    `);
  }
}

export async function down({ query }: MigrationContext): Promise<void> {
  for (const [table] of CHILDREN)
    await query(`DROP TRIGGER ${table}_workspace ON ${table}; ALTER TABLE ${table} DROP COLUMN workspace_id;`);
  await query(`DROP FUNCTION rapport_workspace_of_parent();`);
}
