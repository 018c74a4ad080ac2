import type { MigrationContext } from '../src/platform/migrator';

// The pulse engine: schedules, slot bookkeeping on waves, reminders as their own outbox, and the
// "suppressed" end state for a delivery whose contact left between queueing and sending.
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE schedules (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
      name text NOT NULL DEFAULT '',
      cron text NOT NULL,
      time_zone text NOT NULL,
      -- {"tags": ["vip"], "properties": {"plan": "pro"}}: every tag and every property must match.
      audience jsonb NOT NULL DEFAULT '{}',
      cadence text NOT NULL DEFAULT 'everyone' CHECK (cadence IN ('everyone', 'rolling')),
      cycle_days integer CHECK (cycle_days BETWEEN 1 AND 730),
      reminder_count smallint NOT NULL DEFAULT 1 CHECK (reminder_count BETWEEN 0 AND 2),
      reminder_days smallint NOT NULL DEFAULT 3 CHECK (reminder_days BETWEEN 1 AND 30),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
      ends_at timestamptz,
      -- Every slot up to here has been handled (opened or recorded as skipped); next_slot_at is the first
      -- slot after it, NULL once the schedule has ended. The ticker only looks at next_slot_at.
      checked_until timestamptz NOT NULL,
      next_slot_at timestamptz,
      -- Deleting keeps the row so waves keep their history.
      deleted_at timestamptz,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (cadence = 'everyone' OR cycle_days IS NOT NULL)
    );
    CREATE INDEX schedules_survey_idx ON schedules (survey_id, created_at);
    CREATE INDEX schedules_due_idx ON schedules (next_slot_at) WHERE status = 'active' AND deleted_at IS NULL;

    ALTER TABLE waves
      ADD CONSTRAINT waves_schedule_fk FOREIGN KEY (schedule_id) REFERENCES schedules(id),
      -- 'skipped': a slot missed during downtime, older than the latest one or outside the grace window.
      ADD COLUMN status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'skipped')),
      ADD COLUMN audience integer NOT NULL DEFAULT 0,
      -- Copied from the schedule when the wave opens, so editing a schedule never changes a past wave.
      ADD COLUMN reminder_count smallint NOT NULL DEFAULT 0,
      ADD COLUMN reminder_days smallint NOT NULL DEFAULT 3;
    CREATE INDEX waves_reminders_idx ON waves (created_at) WHERE reminder_count > 0 AND status = 'open';

    ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
      CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed'));
    -- The throttle asks "was this contact invited since …?" for every contact of a wave.
    DROP INDEX deliveries_contact_idx;
    CREATE INDEX deliveries_contact_idx ON deliveries (contact_id, created_at);

    -- A reminder is an outbox message of its own (same states, lease and retries as an invitation) that
    -- reuses its delivery's link, so an answer from either lands on the same response.
    CREATE TABLE reminders (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      delivery_id uuid NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
      seq smallint NOT NULL CHECK (seq BETWEEN 1 AND 2),
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (delivery_id, seq)
    );
    CREATE INDEX reminders_due_idx ON reminders (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX reminders_lease_idx ON reminders (lease_until) WHERE status = 'sending';
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE reminders;
    DROP INDEX deliveries_contact_idx;
    CREATE INDEX deliveries_contact_idx ON deliveries (contact_id);
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
      CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous'));
    DROP INDEX waves_reminders_idx;
    ALTER TABLE waves DROP CONSTRAINT waves_schedule_fk, DROP COLUMN status, DROP COLUMN audience,
      DROP COLUMN reminder_count, DROP COLUMN reminder_days;
    DROP TABLE schedules;
  `);
}
