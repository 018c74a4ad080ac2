import { Router, type Request } from 'express';
import { auth, canManage, confirmedAction } from '../accounts';
import { who } from '../audit';
import { forbidden, found } from '../../platform/errors';
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

  // A revoked key is refused on its very next request and cannot come back: asked first, on a page.
  const revocation = confirmedAction(
    'API key',
    async (req) => {
      const id = idParam(req.params.id, 'API key');
      const key = await found(
        keys.list(auth(req).workspace.id).then((all) => all.find((k) => k.id === id)),
        'API key',
      );
      const used = key.lastUsedAt
        ? `It was last used ${key.lastUsedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`
        : 'It has never been used.';
      return {
        title: `Revoke the API key “${key.name}”?`,
        facts: [
          `Every request made with ${key.prefix}… is refused from its very next one (401): whatever uses it stops working. ${used}`,
          'A revoked key cannot be turned back on: the system using it needs a new key.',
        ],
        keeps: ['The key stays listed as revoked, and the audit log records who revoked it.'],
        button: 'Revoke key',
        danger: true,
        cancel: '/settings/api-keys',
        refusal: key.revokedAt ? 'This key is already revoked.' : undefined,
      };
    },
    async (_workspaceId, id, user, req) => {
      await keys.revoke(user, id, who(req));
      return '/settings/api-keys?revoked=1';
    },
  );
  r.get('/settings/api-keys/:id/revoke', revocation.show);
  r.post('/settings/api-keys/:id/revoke', ...revocation.act);

  return r;
}
