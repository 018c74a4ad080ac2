import { Router, type Request } from 'express';
import { auth, canManage } from '../accounts';
import { who } from '../audit';
import { forbidden } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { delightedChoiceSchema, newKeySchema } from './keys.schemas';
import type { DelightedSurvey } from './delighted.settings';
import type { ApiKeysService } from './keys.service';

/** Settings → API keys: owners and admins make, see and revoke the workspace's keys. */
export function apiKeysRoutes(keys: ApiKeysService, delighted: DelightedSurvey) {
  const r = Router();

  const page = async (req: Request) => {
    const { user, workspace } = auth(req);
    const manager = canManage(user);
    return {
      title: 'API keys',
      canManage: manager,
      keys: manager ? await keys.list(workspace.id) : [],
      npsSurveys: manager ? await delighted.npsSurveys(workspace.id) : [],
      delightedSurveyId: manager ? await delighted.chosenId(workspace.id) : null,
      delightedSaved: false,
      created: undefined as undefined | { key: string; name: string },
      revoked: false,
    };
  };

  r.get('/settings/api-keys', async (req, res) => {
    res.render('api/keys', {
      ...(await page(req)),
      values: { scopes: ['read'] },
      errors: {},
      revoked: req.query.revoked === '1',
      delightedSaved: req.query.delighted === '1',
    });
  });

  r.post(
    '/settings/api-keys/delighted',
    ...handleForm({
      view: 'api/keys',
      page,
      schema: delightedChoiceSchema,
      run: async ({ surveyId }, req) => {
        const { user } = auth(req);
        if (!canManage(user)) throw forbidden('Only an owner or admin can change API settings.');
        await delighted.choose(user.workspaceId, surveyId);
        return '/settings/api-keys?delighted=1';
      },
    }),
  );

  // The new key is drawn on this response only (never put in a URL or a session): the person copies it now.
  r.post(
    '/settings/api-keys',
    ...handleForm({
      view: 'api/keys',
      page,
      schema: newKeySchema,
      run: async (input, req, res) => {
        const { key } = await keys.create(auth(req).user, input, who(req));
        res.status(201).render('api/keys', {
          ...(await page(req)),
          created: { key, name: input.name },
          values: { scopes: ['read'] },
          errors: {},
        });
      },
    }),
  );

  r.post(
    '/settings/api-keys/:id/revoke',
    ...handleForm({
      run: async (_input, req) => {
        await keys.revoke(auth(req).user, idParam(req.params.id, 'API key'), who(req));
        return '/settings/api-keys?revoked=1';
      },
    }),
  );

  return r;
}
