import { Router, type Request } from 'express';
import { handleForm } from '../../platform/forms';
import { auth, can } from '../accounts';
import type { RetentionService } from './retention.service';
import { retentionSchema } from './retention.schemas';

/** Settings → Data retention: how long this workspace keeps answers. */
export function retentionRoutes(retention: RetentionService) {
  const r = Router();

  const page = (req: Request) => {
    const { user } = auth(req);
    return { title: 'Data retention', canManage: can(user.role, 'workspace'), saved: false };
  };

  r.get('/settings/retention', async (req, res) => {
    const policy = await retention.policy(auth(req).workspace.id);
    res.render('retention/settings', {
      ...page(req),
      values: policy ?? { months: '', action: 'anonymise' },
      errors: {},
      saved: req.query.saved === '1',
    });
  });

  r.post(
    '/settings/retention',
    ...handleForm({
      view: 'retention/settings',
      page,
      schema: retentionSchema,
      message: 'Please correct the highlighted fields.',
      run: async (input, req) => {
        await retention.setPolicy(auth(req).user, input);
        return '/settings/retention?saved=1';
      },
    }),
  );

  return r;
}
