import type { MigrationContext } from '../src/platform/migrator';

/**
 * A fourth role, viewer (reads dashboards, the inbox and contacts; never sends, changes or exports), and the
 * audit log: an append-only record of who did what. Append-only is the database's rule, not a convention: a
 * trigger refuses every UPDATE, and a DELETE unless the transaction says it is the retention purge
 * (`SET LOCAL rapport.audit_purge = 'on'`, which only the purge job does).
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE users DROP CONSTRAINT users_role_check;
    ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('owner', 'admin', 'member', 'viewer'));

    CREATE TABLE audit_events (
      id bigserial PRIMARY KEY,
      -- No cascade: a workspace's history outlives nothing but the retention purge.
      workspace_id uuid REFERENCES workspaces(id),
      -- The actor as they were: a removed teammate's deeds keep their name.
      actor_user_id uuid,
      actor_name text,
      action text NOT NULL,
      subject text,
      details jsonb NOT NULL DEFAULT '{}',
      ip text,
      at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX audit_events_workspace_idx ON audit_events (workspace_id, id DESC);
    CREATE INDEX audit_events_at_idx ON audit_events (at);

    CREATE FUNCTION rapport_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('rapport.audit_purge', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION rapport_audit_append_only();
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE audit_events;
    DROP FUNCTION rapport_audit_append_only();
    ALTER TABLE users DROP CONSTRAINT users_role_check;
    ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('owner', 'admin', 'member'));
  `);
}
