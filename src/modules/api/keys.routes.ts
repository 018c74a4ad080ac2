import { Router, type Request } from 'express';
import { auth, canManage } from '../accounts';
import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { newKeySchema } from './keys.schemas';
import type { ApiKeysService } from './keys.service';

/** Settings → API keys: owners and admins make, see and revoke the workspace's keys. */
export function apiKeysRoutes(keys: ApiKeysService) {
  const r = Router();

  const page = async (req: Request) => {
    const { user, workspace } = auth(req);
    const manager = canManage(user);
    return {
      title: 'API keys',
      canManage: manager,
      keys: manager ? await keys.list(workspace.id) : [],
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
    });
  });

  // The new key is drawn on this response only (never put in a URL or a session): the person copies it now.
  r.post(
    '/settings/api-keys',
    ...handleForm({
      view: 'api/keys',
      page,
      schema: newKeySchema,
      run: async (input, req, res) => {
        const { key } = await keys.create(auth(req).user, input);
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
        await keys.revoke(auth(req).user, idParam(req.params.id, 'API key'));
        return '/settings/api-keys?revoked=1';
      },
    }),
  );

  return r;
}
