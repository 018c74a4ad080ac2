import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../platform/db';
import { handleForm } from '../../platform/forms';
import { auth, can } from '../accounts';

/**
 * Settings → Inbox: which answers the Inbox lists. `worth` (the default): an unhappy score (detractor, or the
 * low half of another scale) or any comment — what a person can usefully answer. `every`: every answer.
 *
 * It filters the Inbox, not the trigger: every response still gets its conversation (followups' trigger), so
 * the choice can be changed either way at any time and applies to past answers at once, nothing is lost while
 * it is on, an answer's page, replies, alerts and exports keep working for all of them, and the trigger — the
 * one place that must never miss an answer — stays as it is.
 */
export const INBOX_OPENS = ['worth', 'every'] as const;
export type InboxOpens = (typeof INBOX_OPENS)[number];

/** SQL over the conversation `cv` and its response `r`: something in it to answer. */
export const WORTH_ANSWERING = `(cv.band IN ('detractor', 'low') OR coalesce(r.comment, '') <> '')`;

export const inboxSettingSchema = z.object({
  opens: z.enum(INBOX_OPENS, { error: 'Choose which answers the Inbox lists.' }),
});

export const inboxSettings = (db: Db) => ({
  async opens(workspaceId: string): Promise<InboxOpens> {
    const row = await db.one<{ opens: InboxOpens }>(
      `SELECT opens FROM inbox_settings WHERE workspace_id = :workspaceId`,
      { workspaceId },
    );
    return row?.opens ?? 'worth';
  },
  set: (workspaceId: string, opens: InboxOpens) =>
    db.execute(
      `INSERT INTO inbox_settings (workspace_id, opens) VALUES (:workspaceId, :opens)
       ON CONFLICT (workspace_id) DO UPDATE SET opens = EXCLUDED.opens, updated_at = now()`,
      { workspaceId, opens },
    ),
});

export type InboxSettings = ReturnType<typeof inboxSettings>;

/** GET/POST /settings/inbox. */
export function inboxSettingRoutes(db: Db) {
  const settings = inboxSettings(db);
  const r = Router();
  const page = (req: Request) => ({
    title: 'Inbox settings',
    canManage: can(auth(req).user.role, 'workspace'),
    saved: false,
  });

  r.get('/settings/inbox', async (req, res) => {
    res.render('followups/settings', {
      ...page(req),
      values: { opens: await settings.opens(auth(req).workspace.id) },
      errors: {},
      saved: req.query.saved === '1',
    });
  });

  r.post(
    '/settings/inbox',
    ...handleForm({
      view: 'followups/settings',
      page,
      schema: inboxSettingSchema,
      run: async ({ opens }, req) => {
        await settings.set(auth(req).workspace.id, opens);
        return '/settings/inbox?saved=1';
      },
    }),
  );
  return r;
}
