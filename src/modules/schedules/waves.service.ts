import type { Db } from '../../platform/db';
import { found } from '../../platform/errors';
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

  return {
    /** What "Send now" would do this moment: how many are emailed, throttled and suppressed. Writes nothing. */
    async sendNowCounts(workspaceId: string, surveyId: string) {
      const w = await manualWave(workspaceId, surveyId);
      return { ...(await countWave(db, w)), throttleDays: w.throttleDays };
    },

    /**
     * "Send now", counted on the wave like a scheduled slot. Nobody to ask → refused, no empty wave; given the
     * number the person confirmed, more than that → refused too. Nothing is sent here: the worker drains the
     * outbox.
     */
    async sendNow(workspaceId: string, surveyId: string, userId: string, confirmed = Infinity) {
      const wave = await openWave(db, sealer, await manualWave(workspaceId, surveyId, userId), undefined, confirmed);
      onQueued();
      return wave!.id;
    },

    /** Who a schedule's next slot would ask if it came now (the activation page's audience size). */
    async scheduleCounts(workspaceId: string, surveyId: string, audience: AudienceFilter, cadence: Cadence) {
      const w = await manualWave(workspaceId, surveyId);
      return countWave(db, { ...w, kind: 'scheduled', audience, cadence });
    },

    summary: (workspaceId: string, waveId: string) => found(repo.summary(workspaceId, waveId), 'wave'),
    listForSurvey: repo.listForSurvey,
    listForSchedule: repo.listForSchedule,
  };
}
export type WavesService = ReturnType<typeof wavesService>;
