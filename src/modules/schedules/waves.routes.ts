import { Router, type Request } from 'express';
import { z } from 'zod';
import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { auth } from '../accounts';
import type { SurveysService } from '../surveys';
import type { WavesService } from './waves.service';
import { who } from '../audit';

/** The number the confirmation page showed; without it the POST is not a confirmation (back to the page). */
const sendNowSchema = z.object({ recipients: z.coerce.number().int().min(0).optional().catch(undefined) });

export function wavesRoutes(waves: WavesService, surveys: SurveysService) {
  const r = Router();

  /** "Send now" never sends on one click: this page says to how many, and who is left out and why. */
  const sendNowPage = async (req: Request) => {
    const workspaceId = auth(req).workspace.id;
    const survey = await surveys.get(workspaceId, idParam(req.params.id, 'survey'));
    const counts = await waves.sendNowCounts(workspaceId, survey.id);
    return { title: `Send now — ${survey.title}`, survey, counts };
  };

  r.get('/surveys/:id/send', async (req, res) => {
    res.render('schedules/send', { ...(await sendNowPage(req)), values: {}, errors: {} });
  });

  r.post(
    '/surveys/:id/send',
    ...handleForm({
      view: 'schedules/send',
      page: sendNowPage,
      schema: sendNowSchema,
      run: async ({ recipients }, req) => {
        const { workspace, user } = auth(req);
        const surveyId = idParam(req.params.id, 'survey');
        if (recipients === undefined) return `/surveys/${surveyId}/send`;
        const waveId = await waves.sendNow(workspace.id, surveyId, user.id, recipients, who(req));
        return `/waves/${waveId}`;
      },
    }),
  );

  r.get('/waves/:id', async (req, res) => {
    const wave = await waves.summary(auth(req).workspace.id, idParam(req.params.id, 'wave'));
    const done = wave.queued + wave.sending === 0;
    res.render('schedules/wave', { title: `Wave — ${wave.surveyTitle}`, wave, done });
  });

  return r;
}
