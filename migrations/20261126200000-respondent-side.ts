import type { MigrationContext } from '../src/platform/migrator';

// The respondent's side: unconfirmed clicks kept apart from responses, scanner verdicts, partial/complete
// responses, public survey links and a shared rate-limit counter.
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    -- A click on a score link in an email (GET /r/:token?score=n). Never a response by itself: it becomes
    -- one only when confirmed (the page's own POST), and a discarded click says why.
    CREATE TABLE response_clicks (
      id bigserial PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
      score smallint NOT NULL,
      clicked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'discarded')),
      discard_reason text CHECK (discard_reason IN ('burst', 'honeypot', 'scanned_delivery')),
      settled_at timestamptz,
      CHECK ((status = 'discarded') = (discard_reason IS NOT NULL))
    );
    CREATE INDEX response_clicks_delivery_idx ON response_clicks (delivery_id, clicked_at);

    -- A delivery whose links a mail scanner walked. From then on its clicks are never auto-confirmed:
    -- a person confirms with one tap on "Send".
    CREATE TABLE scanned_deliveries (
      delivery_id uuid PRIMARY KEY REFERENCES deliveries(id) ON DELETE CASCADE,
      reason text NOT NULL CHECK (reason IN ('burst', 'honeypot')),
      detected_at timestamptz NOT NULL DEFAULT clock_timestamp()
    );

    -- Answers save as the respondent goes; completed_at is set by the final "Send".
    ALTER TABLE responses
      ADD COLUMN completed_at timestamptz,
      ADD COLUMN locale text;

    -- A survey's public link (not tied to a contact). The token is stored as its SHA-256 for lookup and
    -- sealed with the app key so the team can be shown the same link again.
    CREATE TABLE survey_public_links (
      survey_id uuid PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      token_hash bytea NOT NULL UNIQUE,
      token_sealed text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- Fixed-window hit counters shared by every instance (public-link submissions).
    CREATE UNLOGGED TABLE rate_limit_hits (
      key text NOT NULL,
      window_start timestamptz NOT NULL,
      hits integer NOT NULL DEFAULT 1,
      PRIMARY KEY (key, window_start)
    );
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE rate_limit_hits, survey_public_links, scanned_deliveries, response_clicks;
    ALTER TABLE responses DROP COLUMN completed_at, DROP COLUMN locale;
  `);
}
