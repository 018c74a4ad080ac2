import { Router } from 'express';
import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { auth } from '../accounts';
import type { WavesService } from './waves.service';

export function wavesRoutes(waves: WavesService) {
  const r = Router();

  r.post(
    '/surveys/:id/send',
    ...handleForm({
      run: async (_input, req) => {
        const { workspace, user } = auth(req);
        return `/waves/${await waves.sendNow(workspace.id, idParam(req.params.id, 'survey'), user.id)}`;
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
