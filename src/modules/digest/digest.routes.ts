import { Router } from 'express';
import { found } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import type { DigestRepository } from './digest.repository';

/**
 * The digest's unsubscribe link, for a teammate reading it anywhere (no sign-in): the random token in the path is
 * the credential, so the form carries no CSRF token and the RFC 8058 one-click POST (no cookies at all) works.
 * A GET only asks (mail scanners open links); the POST turns the digest off.
 */
export function digestRoutes(deps: {
  digests: Pick<DigestRepository, 'findByToken'>;
  stopDigest: (workspaceId: string, userId: string) => Promise<unknown>;
}) {
  const r = Router();
  const find = (token: string) => found(deps.digests.findByToken(token), 'digest link');

  r.get('/digest/unsubscribe/:token', async (req, res) => {
    const link = await find(req.params.token);
    res.render('digest/unsubscribe', { title: 'Weekly digest', link, token: req.params.token, done: false });
  });

  r.post(
    '/digest/unsubscribe/:token',
    ...handleForm({
      run: async (_input, req, res) => {
        const token = String(req.params.token);
        const link = await find(token);
        await deps.stopDigest(link.workspaceId, link.userId);
        res.render('digest/unsubscribe', { title: 'Weekly digest', link, token, done: true });
      },
    }),
  );

  return r;
}
