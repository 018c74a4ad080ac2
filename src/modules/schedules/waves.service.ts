import type { Db } from '../../platform/db';
import { notFound } from '../../platform/errors';
import { hashToken, newToken, type Sealer } from '../../platform/tokens';
import type { SurveysService } from '../surveys';
import { wavesRepository } from './waves.repository';

export type WavesDeps = { db: Db; sealer: Sealer; surveys: SurveysService; onQueued: () => void };

export function wavesService({ db, sealer, surveys, onQueued }: WavesDeps) {
  const repo = wavesRepository(db);
  return {
    /**
     * "Send now": one wave, one delivery (with its own random link token) per subscribed contact, written in
     * one transaction. Nothing is sent here: the delivery worker drains the outbox.
     */
    async sendNow(workspaceId: string, surveyId: string, userId: string) {
      const survey = await surveys.get(workspaceId, surveyId);
      const waveId = await db.transaction(async (tx) => {
        const id = await repo.insertWave({ workspaceId, surveyId, surveyVersion: survey.currentVersion, createdBy: userId }, tx);
        const audience = await repo.audience(workspaceId, tx);
        await repo.insertDeliveries(
          workspaceId,
          id,
          audience.map((c) => {
            const token = newToken();
            return { contactId: c.id, tokenHash: hashToken(token).toString('hex'), tokenSealed: sealer.seal(token) };
          }),
          tx,
        );
        return id;
      });
      onQueued();
      return waveId;
    },

    async summary(workspaceId: string, waveId: string) {
      const wave = await repo.summary(workspaceId, waveId);
      if (!wave) throw notFound('wave');
      return wave;
    },
    listForSurvey: repo.listForSurvey,
  };
}
export type WavesService = ReturnType<typeof wavesService>;
