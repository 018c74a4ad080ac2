import type { Db, Tx } from '../../platform/db';
import type { AudienceFilter } from './waves.repository';

export type Schedule = {
  id: string;
  workspaceId: string;
  surveyId: string;
  name: string;
  cron: string;
  timeZone: string;
  audience: AudienceFilter;
  cadence: 'everyone' | 'rolling';
  cycleDays: number | null;
  reminderCount: number;
  reminderDays: number;
  status: 'active' | 'paused';
  endsAt: Date | null;
  checkedUntil: Date;
  nextSlotAt: Date | null;
  createdAt: Date;
};

/** What the engine needs to open a slot, read with the schedule row locked. */
export type DueSchedule = Schedule & { surveyVersion: number; surveyStatus: string; throttleDays: number };

export type ScheduleInput = Pick<
  Schedule,
  'name' | 'cron' | 'timeZone' | 'audience' | 'cadence' | 'cycleDays' | 'reminderCount' | 'reminderDays' | 'endsAt'
>;

const COLUMNS = `s.id, s.workspace_id AS "workspaceId", s.survey_id AS "surveyId", s.name, s.cron, s.time_zone AS "timeZone",
  s.audience, s.cadence, s.cycle_days AS "cycleDays", s.reminder_count AS "reminderCount", s.reminder_days AS "reminderDays",
  s.status, s.ends_at AS "endsAt", s.checked_until AS "checkedUntil", s.next_slot_at AS "nextSlotAt", s.created_at AS "createdAt"`;

const inputParams = (i: ScheduleInput) => ({
  ...i,
  audience: JSON.stringify(i.audience),
  endsAt: i.endsAt ?? null,
  cycleDays: i.cycleDays ?? null,
});

export const schedulesRepository = (db: Db) => ({
  async create(workspaceId: string, surveyId: string, createdBy: string, i: ScheduleInput, now: Date) {
    return (await db.one<{ id: string }>(
      `INSERT INTO schedules (workspace_id, survey_id, created_by, name, cron, time_zone, audience, cadence, cycle_days,
         reminder_count, reminder_days, ends_at, checked_until, next_slot_at, status)
       VALUES (:workspaceId, :surveyId, :createdBy, :name, :cron, :timeZone, :audience::jsonb, :cadence, :cycleDays,
         :reminderCount, :reminderDays, :endsAt, :now, NULL, 'paused') RETURNING id`,
      { workspaceId, surveyId, createdBy, ...inputParams(i), now },
    ))!.id;
  },

  allowsFrequent: async (workspaceId: string) =>
    (
      await db.one<{ allowed: boolean }>(
        `SELECT allow_frequent_schedules AS allowed FROM workspaces WHERE id = :workspaceId`,
        { workspaceId },
      )
    )?.allowed ?? false,

  /** Editing restarts the slot bookkeeping from now: a changed expression never reaches into the past. */
  update: (workspaceId: string, id: string, i: ScheduleInput, now: Date, nextSlotAt: Date | null) =>
    db.execute(
      `UPDATE schedules SET name = :name, cron = :cron, time_zone = :timeZone, audience = :audience::jsonb, cadence = :cadence,
         cycle_days = :cycleDays, reminder_count = :reminderCount, reminder_days = :reminderDays, ends_at = :endsAt,
         checked_until = :now, next_slot_at = :nextSlotAt, updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL`,
      { workspaceId, id, ...inputParams(i), now, nextSlotAt },
    ),

  /** Slots missed while paused are neither sent nor recorded: resuming starts from now. */
  setStatus: (
    workspaceId: string,
    id: string,
    status: 'active' | 'paused',
    now: Date,
    nextSlotAt: Date | null,
    tx?: Tx,
  ) =>
    db.execute(
      `UPDATE schedules SET status = :status, checked_until = :now, next_slot_at = :nextSlotAt, updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL`,
      { workspaceId, id, status, now, nextSlotAt },
      tx,
    ),

  softDelete: (workspaceId: string, id: string) =>
    db.execute(
      `UPDATE schedules SET deleted_at = now(), next_slot_at = NULL, updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id AND deleted_at IS NULL`,
      { workspaceId, id },
    ),

  find: (workspaceId: string, id: string) =>
    db.one<Schedule>(
      `SELECT ${COLUMNS} FROM schedules s WHERE s.workspace_id = :workspaceId AND s.id = :id AND s.deleted_at IS NULL`,
      {
        workspaceId,
        id,
      },
    ),

  listForSurvey: (workspaceId: string, surveyId: string) =>
    db.query<Schedule>(
      `SELECT ${COLUMNS} FROM schedules s WHERE s.workspace_id = :workspaceId AND s.survey_id = :surveyId AND s.deleted_at IS NULL
       ORDER BY s.created_at`,
      { workspaceId, surveyId },
    ),

  dueIds: async (now: Date, limit: number) =>
    (
      await db.query<{ id: string }>(
        `SELECT id FROM schedules WHERE status = 'active' AND deleted_at IS NULL AND next_slot_at <= :now
       ORDER BY next_slot_at LIMIT :limit`,
        { now, limit },
      )
    ).map((r) => r.id),

  /**
   * How far behind the ticker is, by the database clock: the age of the oldest slot that is due and not yet
   * handled (0 when none is). Up to a minute is normal (the ticker wakes once a minute).
   */
  lagSeconds: async () =>
    (await db.one<{ lag: number }>(
      `SELECT coalesce(extract(epoch FROM now() - min(next_slot_at)), 0)::float8 AS lag FROM schedules
         WHERE status = 'active' AND deleted_at IS NULL AND next_slot_at <= now()`,
    ))!.lag,

  /** Another instance already working on this schedule holds the row: skip it rather than wait. */
  lockDue: (id: string, now: Date, tx: Tx) =>
    db.one<DueSchedule>(
      `SELECT ${COLUMNS}, sv.current_version AS "surveyVersion", sv.status AS "surveyStatus", ws.throttle_days AS "throttleDays"
       FROM schedules s JOIN surveys sv ON sv.id = s.survey_id JOIN workspaces ws ON ws.id = s.workspace_id
       WHERE s.id = :id AND s.status = 'active' AND s.deleted_at IS NULL AND s.next_slot_at <= :now
       FOR UPDATE OF s SKIP LOCKED`,
      { id, now },
      tx,
    ),

  advance: (id: string, checkedUntil: Date, nextSlotAt: Date | null, tx: Tx) =>
    db.execute(
      `UPDATE schedules SET checked_until = :checkedUntil, next_slot_at = :nextSlotAt WHERE id = :id`,
      { id, checkedUntil, nextSlotAt },
      tx,
    ),
});
export type SchedulesRepository = ReturnType<typeof schedulesRepository>;
