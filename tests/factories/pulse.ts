import type { Db } from '../../src/platform/db';
import { surveysService } from '../../src/modules/surveys';
import { nextSlot } from '../../src/modules/schedules/slots';

/**
 * A workspace with an owner, one "How are we doing?" survey and `contacts` subscribed contacts, written straight
 * to the database.
 */
export async function seedWorkspace(db: Db, opts: { contacts: number; throttleDays?: number; name?: string }) {
  const ws = (await db.one<{ id: string }>(
    `INSERT INTO workspaces (name, sender_name, postal_address, throttle_days)
     VALUES (:name, 'Acme Team', '1 Main St, Springfield', :throttle) RETURNING id`,
    { name: opts.name ?? 'Acme', throttle: opts.throttleDays ?? 30 },
  ))!.id;
  const user = (await db.one<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:ws, 'Olga Owner', :email, 'x', 'owner') RETURNING id`,
    { ws, email: `owner-${ws}@acme.test` },
  ))!.id;
  const surveyId = await surveysService(db).createFromTemplate(ws, 'how-are-we-doing');
  await addContacts(db, ws, opts.contacts);
  return { workspaceId: ws, userId: user, surveyId };
}

export async function addContacts(db: Db, workspaceId: string, n: number, prefix = 'c') {
  if (!n) return [];
  return db.query<{ id: string; email: string }>(
    `INSERT INTO contacts (workspace_id, email, name)
     SELECT :ws, :prefix || i || '@example.com', 'Contact ' || i FROM generate_series(1, :n) i
     RETURNING id, email`,
    { ws: workspaceId, n, prefix: `${prefix}${Date.now().toString(36)}-` },
  );
}

export type ScheduleSeed = {
  workspaceId: string;
  surveyId: string;
  cron: string;
  timeZone?: string;
  checkedUntil: Date;
  cadence?: 'everyone' | 'rolling';
  cycleDays?: number;
  reminderCount?: number;
  reminderDays?: number;
  audience?: { tags?: string[]; properties?: Record<string, string>; segmentId?: string };
};

/** A schedule whose bookkeeping says every slot up to `checkedUntil` is handled. */
export async function seedSchedule(db: Db, s: ScheduleSeed) {
  const tz = s.timeZone ?? 'UTC';
  return (await db.one<{ id: string }>(
    `INSERT INTO schedules (workspace_id, survey_id, cron, time_zone, audience, cadence, cycle_days, reminder_count, reminder_days,
       checked_until, next_slot_at)
     VALUES (:ws, :survey, :cron, :tz, :audience::jsonb, :cadence, :cycle, :rc, :rd, :checked, :next) RETURNING id`,
    {
      ws: s.workspaceId,
      survey: s.surveyId,
      cron: s.cron,
      tz,
      audience: JSON.stringify(s.audience ?? {}),
      cadence: s.cadence ?? 'everyone',
      cycle: s.cycleDays ?? null,
      rc: s.reminderCount ?? 0,
      rd: s.reminderDays ?? 3,
      checked: s.checkedUntil,
      next: nextSlot(s.cron, tz, s.checkedUntil),
    },
  ))!.id;
}

export const minutes = (n: number) => n * 60_000;
export const days = (n: number) => n * 86_400_000;
export const later = (d: Date, ms: number) => new Date(d.getTime() + ms);
