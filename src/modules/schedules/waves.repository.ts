import type { Db, Tx } from '../../platform/db';
import { toPgArray } from '../../platform/pgArray';
import { contactWrites } from '../contacts';

export type WaveSummary = {
  id: string;
  surveyId: string;
  surveyTitle: string;
  scheduleId: string | null;
  kind: string;
  status: string;
  slotAt: Date | null;
  createdAt: Date;
  audience: number;
  recipients: number;
  throttled: number;
  suppressed: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  bounced: number;
  ambiguous: number;
  responded: number;
  remindersSent: number;
  remindersQueued: number;
};

/** Tags and property values narrow the audience; a saved segment (contacts module) narrows it further. */
export type AudienceFilter = {
  tags?: string[];
  properties?: Record<string, string>;
  segmentId?: string;
  /** One contact only: an event-triggered invitation. */
  contactId?: string;
};
export type AudienceCondition = { sql: string; replacements: Record<string, unknown> };

/** Who a wave asks: everyone due each time, or a rolling slice so each contact is asked about every cycle. */
export type Cadence = { kind: 'everyone' } | { kind: 'rolling'; cycleDays: number; slotsPerCycle: number };

export type NewWave = {
  workspaceId: string;
  surveyId: string;
  surveyVersion: number;
  kind: 'manual' | 'scheduled' | 'event';
  scheduleId?: string;
  /** The event that asked (kind 'event'): its name, properties and the API key that sent it. */
  trigger?: { event: string | null; properties: Record<string, unknown>; apiKeyId: string };
  /** When its invitations may leave (a delay after the event); now when unset. */
  sendAt?: Date;
  slotAt?: Date;
  createdBy?: string;
  audience: AudienceFilter;
  cadence: Cadence;
  throttleDays: number;
  reminders: { count: number; days: number };
  now: Date;
};

export type Invitation = { id: string; contactId: string; status: string; sendAt: Date; sentAt: Date | null };

type Chosen = { ids: string[] | null; audience: number; throttled: number; suppressed: number };

/**
 * One statement classifies the whole audience: suppressed (any status but subscribed), throttled (invited
 * by anything within the workspace's throttle), or eligible; for a rolling cadence it then takes the quota
 * of due contacts who have waited longest, skipping (and counting) throttled ones on the way.
 */
const choose = (segment: AudienceCondition) => `
  WITH matching AS (
    SELECT c.id, c.status FROM contacts c
    WHERE c.workspace_id = :workspaceId
      AND c.tags @> :tags::text[]
      AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(:properties::jsonb) f(k, v) WHERE c.properties ->> f.k IS DISTINCT FROM f.v)
      AND (${segment.sql})
  ),
  classified AS (
    SELECT m.id,
      CASE WHEN m.status <> 'subscribed' THEN 'suppressed'
           WHEN :throttleDays > 0 AND EXISTS (
             SELECT 1 FROM deliveries d WHERE d.contact_id = m.id
               AND d.created_at > :now::timestamptz - make_interval(days => :throttleDays)
               AND d.status NOT IN ('failed', 'bounced', 'suppressed', 'cancelled')) THEN 'throttled'
           ELSE 'eligible' END AS class
    FROM matching m
  ),
  last_asked AS (
    SELECT d.contact_id, max(d.created_at) AS at FROM deliveries d JOIN waves w ON w.id = d.wave_id
    WHERE :rolling AND w.survey_id = :surveyId AND d.status NOT IN ('failed', 'bounced', 'suppressed', 'cancelled')
    GROUP BY d.contact_id
  ),
  due AS (
    SELECT c.id, c.class,
      row_number() OVER (ORDER BY la.at NULLS FIRST, md5(c.id::text || :seed)) AS pos
    FROM classified c LEFT JOIN last_asked la ON la.contact_id = c.id
    WHERE c.class <> 'suppressed'
      AND (NOT :rolling OR la.at IS NULL OR la.at <= :now::timestamptz - make_interval(days => :cycleDays))
  ),
  quota AS (
    SELECT CASE WHEN :rolling THEN ceil((SELECT count(*) FROM classified WHERE class <> 'suppressed') / :slotsPerCycle::float8)
                ELSE 'Infinity'::float8 END AS n
  ),
  ranked AS (
    SELECT id, class, pos, row_number() OVER (PARTITION BY class ORDER BY pos) AS k FROM due
  ),
  chosen AS (SELECT id, pos FROM ranked, quota WHERE class = 'eligible' AND k <= quota.n),
  cutoff AS (
    SELECT CASE WHEN (SELECT count(*) FROM chosen) < (SELECT n FROM quota) THEN 'Infinity'::float8
                ELSE (SELECT max(pos) FROM chosen)::float8 END AS pos
  )
  SELECT
    (SELECT array_agg(id) FROM chosen) AS ids,
    (SELECT count(*) FROM classified WHERE class <> 'suppressed') AS audience,
    (SELECT count(*) FROM ranked, cutoff WHERE ranked.class = 'throttled' AND ranked.pos < cutoff.pos) AS throttled,
    (SELECT count(*) FROM classified WHERE class = 'suppressed') AS suppressed`;

export const wavesRepository = (db: Db) => ({
  /**
   * Every wave opening in a workspace takes this lock, so two waves (two schedules, or a schedule and "send
   * now") cannot both see a contact as not-yet-invited and both invite them inside the throttle.
   */
  lockWorkspace: (workspaceId: string, tx: Tx) =>
    db.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('rapport:waves:' || :workspaceId, 0)) AS locked`,
      { workspaceId },
      tx,
    ),

  /** Unique per (schedule, slot): when another instance got there first this returns undefined. */
  async insertWave(w: NewWave, status: 'open' | 'skipped', tx: Tx) {
    const row = await db.one<{ id: string }>(
      `INSERT INTO waves (workspace_id, survey_id, survey_version, schedule_id, slot_at, kind, status, created_by,
         reminder_count, reminder_days, created_at, event, event_properties, api_key_id)
       VALUES (:workspaceId, :surveyId, :surveyVersion, :scheduleId, :slotAt, :kind, :status, :createdBy,
         :reminderCount, :reminderDays, :now, :event, :eventProperties::jsonb, :apiKeyId)
       ON CONFLICT (schedule_id, slot_at) DO NOTHING RETURNING id`,
      {
        workspaceId: w.workspaceId,
        surveyId: w.surveyId,
        surveyVersion: w.surveyVersion,
        scheduleId: w.scheduleId ?? null,
        slotAt: w.slotAt ?? null,
        kind: w.kind,
        status,
        createdBy: w.createdBy ?? null,
        reminderCount: status === 'open' ? w.reminders.count : 0,
        reminderDays: w.reminders.days,
        now: w.now,
        event: w.trigger?.event ?? null,
        eventProperties: w.trigger ? JSON.stringify(w.trigger.properties) : null,
        apiKeyId: w.trigger?.apiKeyId ?? null,
      },
      tx,
    );
    return row?.id;
  },

  choose: async (w: NewWave, segment: AudienceCondition, tx: Tx) =>
    (await db.one<Chosen>(
      choose(segment),
      {
        ...segment.replacements,
        workspaceId: w.workspaceId,
        surveyId: w.surveyId,
        tags: toPgArray(w.audience.tags ?? []),
        properties: JSON.stringify(w.audience.properties ?? {}),
        throttleDays: w.throttleDays,
        now: w.now,
        rolling: w.cadence.kind === 'rolling',
        cycleDays: w.cadence.kind === 'rolling' ? w.cadence.cycleDays : 0,
        slotsPerCycle: w.cadence.kind === 'rolling' ? w.cadence.slotsPerCycle : 1,
        seed: `${w.scheduleId ?? ''}:${w.slotAt?.toISOString() ?? w.now.toISOString()}`,
      },
      tx,
    ))!,

  /** One INSERT … SELECT over arrays: a 100,000-recipient wave is a single round trip. */
  async insertDeliveries(
    waveId: string,
    workspaceId: string,
    now: Date,
    rows: { ids: string[]; hashes: Buffer[]; sealed: string[] },
    tx: Tx,
    sendAt?: Date,
  ) {
    // Without a delay an invitation is due at once by the database's clock (the outbox's), whatever `now` the
    // wave was opened at (tests open waves at simulated times).
    await db.execute(
      `INSERT INTO deliveries (workspace_id, wave_id, contact_id, token_hash, token_sealed, created_at, next_attempt_at)
       SELECT $1, $2, t.contact_id, t.token_hash, t.token_sealed, $3, coalesce($7::timestamptz, now())
       FROM unnest($4::uuid[], $5::bytea[], $6::text[]) AS t(contact_id, token_hash, token_sealed)`,
      [workspaceId, waveId, now, rows.ids, rows.hashes, rows.sealed, sendAt ?? null],
      tx,
    );
    await contactWrites(db).invited(rows.ids, now, tx);
  },

  throttleDays: async (workspaceId: string) =>
    (
      await db.one<{ days: number }>(`SELECT throttle_days AS days FROM workspaces WHERE id = :workspaceId`, {
        workspaceId,
      })
    )?.days ?? 30,

  setCounts: (
    waveId: string,
    c: { recipients: number; audience: number; throttled: number; suppressed: number },
    tx: Tx,
  ) =>
    db.execute(
      `UPDATE waves SET recipients = :recipients, audience = :audience, throttled = :throttled, suppressed = :suppressed
       WHERE id = :waveId`,
      { waveId, ...c },
      tx,
    ),

  summary: (workspaceId: string, waveId: string) =>
    db.one<WaveSummary>(
      `SELECT w.id, w.survey_id AS "surveyId", s.title AS "surveyTitle", w.schedule_id AS "scheduleId", w.kind, w.status,
         w.slot_at AS "slotAt", w.created_at AS "createdAt", w.audience, w.recipients, w.throttled,
         w.suppressed + coalesce(d.suppressed, 0) AS suppressed,
         coalesce(d.queued, 0) AS queued, coalesce(d.sending, 0) AS sending, coalesce(d.sent, 0) AS sent,
         coalesce(d.failed, 0) AS failed, coalesce(d.bounced, 0) AS bounced, coalesce(d.ambiguous, 0) AS ambiguous,
         coalesce(d.responded, 0) AS responded,
         coalesce(rm.sent, 0) AS "remindersSent", coalesce(rm.queued, 0) AS "remindersQueued"
       FROM waves w JOIN surveys s ON s.id = w.survey_id
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE d.status = 'queued') AS queued,
           count(*) FILTER (WHERE d.status = 'sending') AS sending,
           count(*) FILTER (WHERE d.status = 'sent') AS sent,
           count(*) FILTER (WHERE d.status = 'failed') AS failed,
           count(*) FILTER (WHERE d.status = 'bounced') AS bounced,
           count(*) FILTER (WHERE d.status = 'ambiguous') AS ambiguous,
           count(*) FILTER (WHERE d.status = 'suppressed') AS suppressed,
           count(r.id) AS responded
         FROM deliveries d LEFT JOIN responses r ON r.delivery_id = d.id
         WHERE d.wave_id = w.id) d ON true
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE rm.status = 'sent') AS sent,
           count(*) FILTER (WHERE rm.status IN ('queued', 'sending')) AS queued
         FROM reminders rm JOIN deliveries d2 ON d2.id = rm.delivery_id WHERE d2.wave_id = w.id) rm ON true
       WHERE w.workspace_id = :workspaceId AND w.id = :waveId`,
      { workspaceId, waveId },
    ),

  /** A wave's one invitation (an event's), as its requester sees it. */
  invitationOf: (workspaceId: string, waveId: string) =>
    db.one<Invitation>(
      `SELECT d.id, d.contact_id AS "contactId", d.status, d.next_attempt_at AS "sendAt", d.sent_at AS "sentAt"
       FROM deliveries d WHERE d.workspace_id = :workspaceId AND d.wave_id = :waveId`,
      { workspaceId, waveId },
    ),

  /**
   * Calls off a contact's invitations (and reminders) that have not left yet. One in the middle of being sent
   * (`sending`) is past recall and is left alone.
   */
  cancelPending: async (workspaceId: string, contactId: string, tx: Tx) =>
    (await db.one<{ invitations: number; reminders: number }>(
      `WITH cancelled AS (
         UPDATE deliveries SET status = 'cancelled', lease_until = NULL
         WHERE workspace_id = :workspaceId AND contact_id = :contactId AND status = 'queued' RETURNING id
       ), reminders_cancelled AS (
         UPDATE reminders m SET status = 'cancelled' FROM deliveries d
         WHERE m.delivery_id = d.id AND d.workspace_id = :workspaceId AND d.contact_id = :contactId AND m.status = 'queued'
         RETURNING m.id
       )
       SELECT (SELECT count(*) FROM cancelled) AS invitations, (SELECT count(*) FROM reminders_cancelled) AS reminders`,
      { workspaceId, contactId },
      tx,
    ))!,

  listForSurvey: (workspaceId: string, surveyId: string) =>
    db.query<{ id: string; createdAt: Date; recipients: number; kind: string; status: string; slotAt: Date | null }>(
      `SELECT id, created_at AS "createdAt", recipients, kind, status, slot_at AS "slotAt" FROM waves
       WHERE workspace_id = :workspaceId AND survey_id = :surveyId ORDER BY created_at DESC LIMIT 20`,
      { workspaceId, surveyId },
    ),

  listForSchedule: (workspaceId: string, scheduleId: string) =>
    db.query<{ id: string; slotAt: Date; recipients: number; throttled: number; status: string }>(
      `SELECT id, slot_at AS "slotAt", recipients, throttled, status FROM waves
       WHERE workspace_id = :workspaceId AND schedule_id = :scheduleId ORDER BY slot_at DESC LIMIT 30`,
      { workspaceId, scheduleId },
    ),
});
export type WavesRepository = ReturnType<typeof wavesRepository>;
