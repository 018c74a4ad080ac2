import type { Db } from '../../platform/db';
import { record, type Actor } from '../audit';
import { conflict, found } from '../../platform/errors';
import type { Sealer } from '../../platform/tokens';
import type { SurveysService } from '../surveys';
import { databaseNow } from './clock';
import { countWave, openWave } from './opener';
import { wavesRepository, type AudienceFilter, type Cadence, type NewWave } from './waves.repository';

export type WavesDeps = { db: Db; sealer: Sealer; surveys: SurveysService; onQueued: () => void };

export function wavesService({ db, sealer, surveys, onQueued }: WavesDeps) {
  const repo = wavesRepository(db);

  /** "Send now": every subscribed contact, under the same throttle and suppression as a scheduled slot. */
  async function manualWave(workspaceId: string, surveyId: string, userId?: string): Promise<NewWave> {
    const survey = await surveys.get(workspaceId, surveyId);
    const [now, throttleDays] = await Promise.all([databaseNow(db), repo.throttleDays(workspaceId)]);
    return {
      workspaceId,
      surveyId,
      surveyVersion: survey.currentVersion,
      kind: 'manual',
      createdBy: userId,
      audience: {},
      cadence: { kind: 'everyone' },
      throttleDays,
      reminders: { count: 0, days: 3 },
      now,
    };
  }

  /** A survey someone may be asked to answer: found in the workspace, active and not closed. */
  async function invitable(workspaceId: string, surveyId: string) {
    const survey = await surveys.get(workspaceId, surveyId);
    if (survey.status !== 'active' || (survey.closesAt && survey.closesAt <= (await databaseNow(db))))
      throw conflict('This survey is archived or closed: reopen it in Rapport before asking anyone to answer it.');
    return survey;
  }

  return {
    assertInvitable: async (workspaceId: string, surveyId: string) => void (await invitable(workspaceId, surveyId)),

    /** What "Send now" would do this moment: how many are emailed, throttled and suppressed. Writes nothing. */
    async sendNowCounts(workspaceId: string, surveyId: string) {
      const w = await manualWave(workspaceId, surveyId);
      return { ...(await countWave(db, w)), throttleDays: w.throttleDays };
    },

    /**
     * "Send now", counted on the wave like a scheduled slot. Nobody to ask → refused, no empty wave; given the
     * number the person confirmed, more than that → refused too. Nothing is sent here: the worker drains the
     * outbox. With `from`, the send is audited in the wave's own transaction: both or neither.
     */
    async sendNow(workspaceId: string, surveyId: string, userId: string, confirmed = Infinity, from?: Actor) {
      const w = await manualWave(workspaceId, surveyId, userId);
      const { title } = await surveys.get(workspaceId, surveyId);
      const wave = await db.transaction(async (tx) => {
        const opened = (await openWave(db, sealer, w, tx, confirmed))!;
        if (from)
          await record(
            db,
            from,
            { action: 'survey.sent', subject: title, details: { wave: opened.id, recipients: opened.recipients } },
            tx,
          );
        return opened;
      });
      onQueued();
      return wave.id;
    },

    /** Who a schedule's next slot would ask if it came now (the activation page's audience size). */
    async scheduleCounts(workspaceId: string, surveyId: string, audience: AudienceFilter, cadence: Cadence) {
      const w = await manualWave(workspaceId, surveyId);
      return countWave(db, { ...w, kind: 'scheduled', audience, cadence });
    },

    /**
     * One contact, asked because of an event in another system ("a ticket was solved"), now or after a delay:
     * a wave of its own (kind 'event', recording the event), under the same throttle, suppression, outbox and
     * reminders as any wave. The outcome says whether an invitation was queued, or why not.
     */
    async invite(
      workspaceId: string,
      surveyId: string,
      o: {
        contactId: string;
        delaySeconds: number;
        event: string | null;
        properties: Record<string, unknown>;
        apiKeyId: string;
        reminders: { count: number; days: number };
      },
    ) {
      const survey = await invitable(workspaceId, surveyId);
      const [now, throttleDays] = await Promise.all([databaseNow(db), repo.throttleDays(workspaceId)]);
      const sendAt = o.delaySeconds ? new Date(now.getTime() + o.delaySeconds * 1000) : undefined;
      const wave = (await openWave(db, sealer, {
        workspaceId,
        surveyId,
        surveyVersion: survey.currentVersion,
        kind: 'event',
        trigger: { event: o.event, properties: o.properties, apiKeyId: o.apiKeyId },
        audience: { contactId: o.contactId },
        cadence: { kind: 'everyone' },
        throttleDays,
        reminders: o.reminders,
        now,
        sendAt,
      }))!;
      if (wave.recipients) onQueued();
      const invitation = wave.recipients ? await repo.invitationOf(workspaceId, wave.id) : undefined;
      const outcome = invitation ? 'queued' : wave.suppressed ? 'suppressed' : ('throttled' as const);
      return { waveId: wave.id, outcome, invitation, surveyVersion: survey.currentVersion };
    },

    /** Calls off a contact's invitations and reminders that have not left yet; says how many. */
    cancelPending: (workspaceId: string, contactId: string) =>
      db.transaction((tx) => repo.cancelPending(workspaceId, contactId, tx)),

    summary: (workspaceId: string, waveId: string) => found(repo.summary(workspaceId, waveId), 'wave'),
    listForSurvey: repo.listForSurvey,
    listForSchedule: repo.listForSchedule,
  };
}
export type WavesService = ReturnType<typeof wavesService>;
