import { Router } from 'express';
import { idParam } from '../../platform/validation';
import { auth, recordAction } from '../accounts';
import type { WavesService } from './waves.service';

export function wavesRoutes(waves: WavesService) {
  const r = Router();

  r.post(
    '/surveys/:id/send',
    ...recordAction(
      'survey',
      async (workspaceId, id, user) => `/waves/${await waves.sendNow(workspaceId, id, user.id)}`,
    ),
  );

  r.get('/waves/:id', async (req, res) => {
    const wave = await waves.summary(auth(req).workspace.id, idParam(req.params.id, 'wave'));
    const done = wave.queued + wave.sending === 0;
    res.render('schedules/wave', { title: `Wave — ${wave.surveyTitle}`, wave, done });
  });

  return r;
}
