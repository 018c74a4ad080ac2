import type { Db } from '../../platform/db';
import { found } from '../../platform/errors';
import type { Sealer } from '../../platform/tokens';
import type { SurveysService } from '../surveys';
import { databaseNow } from './clock';
import { openWave } from './opener';
import { wavesRepository } from './waves.repository';

export type WavesDeps = { db: Db; sealer: Sealer; surveys: SurveysService; onQueued: () => void };

export function wavesService({ db, sealer, surveys, onQueued }: WavesDeps) {
  const repo = wavesRepository(db);
  return {
    /**
     * "Send now": one wave to every subscribed contact, under the same throttle and suppression as a
     * scheduled slot (and counted on the wave the same way). Nothing is sent here: the worker drains the outbox.
     */
    async sendNow(workspaceId: string, surveyId: string, userId: string) {
      const survey = await surveys.get(workspaceId, surveyId);
      const [now, throttleDays] = await Promise.all([databaseNow(db), repo.throttleDays(workspaceId)]);
      const wave = await openWave(db, sealer, {
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
      });
      onQueued();
      return wave!.id;
    },

    summary: (workspaceId: string, waveId: string) => found(repo.summary(workspaceId, waveId), 'wave'),
    listForSurvey: repo.listForSurvey,
    listForSchedule: repo.listForSchedule,
  };
}
export type WavesService = ReturnType<typeof wavesService>;
