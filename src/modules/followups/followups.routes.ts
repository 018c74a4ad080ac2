import { Router, type NextFunction, type Request, type Response } from 'express';
import { formView } from '../../platform/http';
import { idParam, parse } from '../../platform/validation';
import { auth } from '../accounts';
import type { SurveysService } from '../surveys';
import {
  assignSchema,
  inboxFilterSchema,
  INBOX_BANDS,
  noteSchema,
  OWNERS,
  replySchema,
  STARTERS,
  STATUSES,
  type InboxFilter,
} from './followups.schemas';
import type { FollowupsService } from './followups.service';

const NOTICES: Record<string, string> = {
  replied:
    'Reply queued: it leaves through the outbox within seconds, from your name, and their answer comes back to you.',
  noted: 'Note added (only your team sees it).',
  assigned: 'Owner saved.',
  closed: 'Marked closed.',
  reopened: 'Reopened.',
};

const filterQuery = (f: InboxFilter) => {
  const q = new URLSearchParams({ status: f.status, owner: f.owner });
  if (f.band) q.set('band', f.band);
  if (f.survey) q.set('survey', f.survey);
  return q.toString();
};

/** The close-the-loop inbox and one page per answer. */
export function followupsRoutes(followups: FollowupsService, surveys: SurveysService) {
  const r = Router();

  r.get('/inbox', async (req, res) => {
    const { user, workspace } = auth(req);
    const filter = parse(inboxFilterSchema, req.query);
    const cursor = typeof req.query.after === 'string' ? req.query.after : undefined;
    const [page, surveyList] = await Promise.all([
      followups.inbox(workspace.id, user.id, filter, cursor),
      surveys.list(workspace.id),
    ]);
    res.render('followups/inbox', {
      title: 'Inbox',
      ...page,
      filter,
      filterQs: filterQuery(filter),
      surveys: surveyList,
      statuses: STATUSES,
      owners: OWNERS,
      bands: INBOX_BANDS,
    });
  });

  const showForm = formView('followups/show');
  async function pageLocals(req: Request, res: Response) {
    const { workspace } = auth(req);
    const id = idParam(req.params.id, 'answer');
    Object.assign(res.locals, {
      title: 'Answer',
      ...(await followups.conversation(workspace.id, id)),
      starters: STARTERS,
    });
    return id;
  }

  r.get('/inbox/:id', async (req, res) => {
    await pageLocals(req, res);
    const key = String(req.query.starter);
    const starter = Object.hasOwn(STARTERS, key) ? STARTERS[key] : undefined;
    res.render('followups/show', {
      values: { body: starter ?? '' },
      errors: {},
      notice: NOTICES[String(req.query.done)],
    });
  });

  // Every form on the page loads the page first, so a refused one comes back with everything around it.
  const action = (handle: (req: Request, id: string) => Promise<string>) => [
    showForm,
    async (req: Request, res: Response) => {
      const id = await pageLocals(req, res);
      const done = await handle(req, id);
      res.redirect(303, `/inbox/${id}?done=${done}#thread`);
    },
  ];

  r.post(
    '/inbox/:id/replies',
    ...action(async (req, id) => {
      const { user, workspace } = auth(req);
      const input = parse(replySchema, req.body);
      await followups.reply(workspace.id, id, user, input.body, input.close === '1');
      return 'replied';
    }),
  );

  r.post(
    '/inbox/:id/notes',
    ...action(async (req, id) => {
      const { user, workspace } = auth(req);
      await followups.note(workspace.id, id, user, parse(noteSchema, req.body).note);
      return 'noted';
    }),
  );

  r.post(
    '/inbox/:id/assign',
    ...action(async (req, id) => {
      const { ownerUserId } = parse(assignSchema, req.body);
      await followups.assign(auth(req).workspace.id, id, ownerUserId || null);
      return 'assigned';
    }),
  );

  r.post(
    '/inbox/:id/close',
    ...action(async (req, id) => {
      const { user, workspace } = auth(req);
      await followups.setStatus(workspace.id, id, 'closed', user.id);
      return 'closed';
    }),
  );

  r.post(
    '/inbox/:id/reopen',
    ...action(async (req, id) => {
      const { user, workspace } = auth(req);
      await followups.setStatus(workspace.id, id, 'open', user.id);
      return 'reopened';
    }),
  );

  return r;
}

/** The nav's "Inbox (n)": open answers owned by whoever is signed in, for pages only. */
export const inboxCount = (followups: FollowupsService) => async (req: Request, res: Response, next: NextFunction) => {
  if (req.auth && req.method === 'GET')
    res.locals.inboxOpen = await followups.countOpenFor(req.auth.workspace.id, req.auth.user.id);
  next();
};
