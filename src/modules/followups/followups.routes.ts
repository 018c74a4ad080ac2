import { Router, type NextFunction, type Request, type Response } from 'express';
import { invalid } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import { idParam, parse } from '../../platform/validation';
import { z } from 'zod';
import { auth, confirmedAction, type User } from '../accounts';
import type { SurveysService } from '../surveys';
import {
  assignSchema,
  bulkCloseSchema,
  closeSchema,
  inboxFilterSchema,
  INBOX_BANDS,
  noteSchema,
  OWNERS,
  replySchema,
  savedReplySchema,
  STARTERS,
  STATUSES,
  themeQuerySchema,
  themeUpdateSchema,
  type InboxFilter,
} from './followups.schemas';
import type { FollowupsService } from './followups.service';
import type { InboxSettings } from './inboxSetting';
import { duration, loopMeasures, percent } from './measures';
import type { Db } from '../../platform/db';

const NOTICES: Record<string, string> = {
  replied:
    'Reply queued: it leaves through the outbox within seconds, from your name, and their answer comes back to you.',
  noted: 'Note added (only your team sees it).',
  assigned: 'Owner saved.',
  closed: 'Marked closed.',
  reopened: 'Reopened.',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const filterQuery = (f: InboxFilter) => {
  const q = new URLSearchParams({ status: f.status, owner: f.owner });
  if (f.band) q.set('band', f.band);
  if (f.survey) q.set('survey', f.survey);
  if (f.answers) q.set('answers', f.answers);
  for (const k of ['loop', 'from', 'to', 'ownerId'] as const) if (f[k]) q.set(k, f[k]);
  return q.toString();
};

/** The close-the-loop inbox and one page per answer. */
export function followupsRoutes(followups: FollowupsService, surveys: SurveysService, settings: InboxSettings, db: Db) {
  const r = Router();

  r.get('/inbox', async (req, res) => {
    const { user, workspace } = auth(req);
    const filter = parse(inboxFilterSchema, req.query);
    const setting = await settings.opens(workspace.id);
    filter.answers ??= setting;
    const cursor = typeof req.query.after === 'string' ? req.query.after : undefined;
    const [page, surveyList] = await Promise.all([
      followups.inbox(workspace.id, user.id, filter, cursor),
      surveys.list(workspace.id),
    ]);
    const closed = Number(req.query.closed);
    res.render('followups/inbox', {
      title: 'Inbox',
      ...page,
      notice:
        Number.isInteger(closed) && closed >= 0
          ? `Closed ${closed} conversation${closed === 1 ? '' : 's'}.`
          : undefined,
      filter,
      setting,
      filterQs: filterQuery(filter),
      otherAnswersQs: filterQuery({ ...filter, answers: filter.answers === 'worth' ? 'every' : 'worth' }),
      surveys: surveyList,
      statuses: STATUSES,
      owners: OWNERS,
      bands: INBOX_BANDS,
    });
  });

  /** Bulk close: the ticked rows of the inbox page, then back to the same view saying how many. */
  r.post(
    '/inbox/close',
    ...handleForm({
      schema: bulkCloseSchema,
      message: 'Tick up to 100 answers in the list, then Close selected.',
      run: async ({ ids, back }, req) => {
        if (!ids.length) throw invalid('Tick at least one answer to close, then Close selected.');
        const { user, workspace } = auth(req);
        const closed = await followups.closeMany(workspace.id, ids, user.id);
        const q = new URLSearchParams(back);
        q.delete('after');
        q.set('closed', String(closed));
        return `/inbox?${q.toString()}`;
      },
    }),
  );

  /** One answer's page: the conversation, its thread, the contact's earlier answers and the reply starters. */
  const answerPage = async (req: Request) => ({
    title: 'Answer',
    ...(await followups.conversation(auth(req).workspace.id, idParam(req.params.id, 'answer'))),
    starters: STARTERS,
  });

  r.get('/inbox/:id', async (req, res) => {
    const page = await answerPage(req);
    const key = String(req.query.starter);
    const starter = Object.hasOwn(STARTERS, key) ? STARTERS[key] : undefined;
    // A saved reply is a draft to edit: it fills the box, and sending it unchanged is refused.
    const savedId = String(req.query.saved);
    const draft = UUID.test(savedId) ? page.savedReplies.find((s) => s.id === savedId)?.body : undefined;
    res.render('followups/show', {
      ...page,
      values: { body: draft ?? starter ?? '' },
      errors: {},
      notice: NOTICES[String(req.query.done)],
    });
  });

  // Every form on the page draws the whole page again when it is refused.
  const action = <S extends z.ZodType>(
    path: string,
    schema: S,
    use: (input: z.output<S>, workspaceId: string, id: string, user: User) => Promise<string>,
  ) =>
    r.post(
      `/inbox/:id/${path}`,
      ...handleForm({
        view: 'followups/show',
        page: answerPage,
        schema,
        run: async (input, req) => {
          const { user, workspace } = auth(req);
          const id = idParam(req.params.id, 'answer');
          return `/inbox/${id}?done=${await use(input, workspace.id, id, user)}#thread`;
        },
      }),
    );

  action('replies', replySchema, async (input, workspaceId, id, user) => {
    await followups.reply(workspaceId, id, user, input.body, input.close === '1');
    return 'replied';
  });
  action('notes', noteSchema, async ({ note }, workspaceId, id, user) => {
    await followups.note(workspaceId, id, user, note);
    return 'noted';
  });
  action('assign', assignSchema, async ({ ownerUserId }, workspaceId, id) => {
    await followups.assign(workspaceId, id, ownerUserId || null);
    return 'assigned';
  });
  action('close', closeSchema, async ({ closingLine }, workspaceId, id, user) => {
    await followups.close(workspaceId, id, user, closingLine);
    return 'closed';
  });
  action('reopen', z.object({}), async (_input, workspaceId, id, user) => {
    await followups.setStatus(workspaceId, id, 'open', user.id);
    return 'reopened';
  });

  /** The workspace's short list of saved replies: drafts a teammate starts from and makes their own. */
  const savedPage = async (req: Request) => ({
    title: 'Saved replies',
    savedReplies: await followups.savedReplies(auth(req).workspace.id),
  });
  r.get('/saved-replies', async (req, res) => {
    res.render('followups/saved-replies', {
      ...(await savedPage(req)),
      values: {},
      errors: {},
      notice: req.query.saved === '1' ? 'Saved reply added.' : req.query.deleted === '1' ? 'Saved reply deleted.' : '',
    });
  });
  r.post(
    '/saved-replies',
    ...handleForm({
      view: 'followups/saved-replies',
      page: savedPage,
      schema: savedReplySchema,
      run: async (input, req) => {
        const { user, workspace } = auth(req);
        await followups.addSavedReply(workspace.id, user.id, input);
        return '/saved-replies?saved=1';
      },
    }),
  );
  r.post(
    '/saved-replies/:id/delete',
    ...handleForm({
      run: async (_input, req) => {
        await followups.removeSavedReply(auth(req).workspace.id, idParam(req.params.id, 'saved reply'));
        return '/saved-replies?deleted=1';
      },
    }),
  );

  /**
   * Loop measures for a chosen period (whole UTC days, the last 30 by default): the workspace's, then each
   * teammate's as owner. Every figure links to the inbox view of the conversations behind it.
   */
  const periodSchema = z.object({
    from: z.iso.date().optional().catch(undefined),
    to: z.iso.date().optional().catch(undefined),
  });
  r.get('/measures', async (req, res) => {
    const { workspace } = auth(req);
    const asked = parse(periodSchema, req.query);
    const today = (await db.one<{ d: string }>(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d`))!.d;
    const back30 = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    let period = { from: asked.from ?? back30, to: asked.to ?? today };
    if (period.from > period.to) period = { from: period.to, to: period.from };
    const [team, all] = await Promise.all([followups.teammates(workspace.id), loopMeasures(db, workspace.id, period)]);
    const people = await Promise.all(
      team.map(async (p) => ({ ...p, m: await loopMeasures(db, workspace.id, period, p.id) })),
    );
    const inboxFor = (loop: string, ownerId?: string) =>
      `/inbox?${new URLSearchParams({ status: 'all', owner: 'everyone', loop, ...period, ...(ownerId ? { ownerId } : {}) }).toString()}`;
    res.render('followups/measures', { title: 'Loop measures', period, all, people, inboxFor, percent, duration });
  });

  // "You said, we did": write the update from a theme (GET /updates/new), keep it as a draft, then confirm it on
  // a page that says how many people it goes to (GET/POST /updates/:id), the pattern of every mass action.
  const updatePage = async (req: Request) => {
    const { workspace } = auth(req);
    const from = parse(themeQuerySchema, { ...req.query, ...(req.method === 'POST' ? req.body : {}) });
    const [audience, surveyTitle] = await Promise.all([
      followups.updates.audience(workspace.id, { surveyId: from.survey, questionId: from.question, theme: from.theme }),
      followups.updates.surveyTitle(workspace.id, from.survey),
    ]);
    return {
      title: 'You said, we did',
      from,
      audience,
      surveyTitle,
      back: `/surveys/${from.survey}/comments/${encodeURIComponent(from.question)}?q=${encodeURIComponent(from.theme)}`,
    };
  };
  r.get('/updates/new', async (req, res) => {
    res.render('followups/update-new', { ...(await updatePage(req)), values: {}, errors: {} });
  });
  r.post(
    '/updates',
    ...handleForm({
      view: 'followups/update-new',
      page: updatePage,
      schema: themeUpdateSchema,
      run: async (input, req) => {
        const { user, workspace } = auth(req);
        const id = await followups.updates.draft(workspace.id, user, {
          surveyId: input.survey,
          questionId: input.question,
          theme: input.theme,
          body: input.body,
        });
        return `/updates/${id}`;
      },
    }),
  );
  const sending = confirmedAction(
    'update',
    async (req) => {
      const { workspace } = auth(req);
      const u = await followups.updates.find(workspace.id, idParam(req.params.id, 'update'));
      const cancel = `/surveys/${u.surveyId}/comments/${encodeURIComponent(u.questionId)}?q=${encodeURIComponent(u.theme)}`;
      if (u.status === 'sent')
        return {
          title: 'You said, we did: sent',
          facts: [`“${u.body}”`, `Sent to ${u.recipients ?? 0} contacts on ${u.sentAt!.toISOString().slice(0, 10)}.`],
          button: '',
          cancel,
          refusal: 'This update has already gone out; it is never sent twice.',
        };
      const a = await followups.updates.audience(workspace.id, u);
      const people = `${a.total} contact${a.total === 1 ? '' : 's'}`;
      return {
        title: `Send this update to ${people}?`,
        facts: [
          `“${u.body}”`,
          `It goes to ${people} whose comment on '${u.surveyTitle}' mentioned “${u.theme}”, one email each, through the outbox.`,
          `${a.byOwner} of them get it signed by their own owner; ${a.total - a.byOwner} signed by ${u.authorName}.`,
        ],
        keeps: [
          'Unsubscribed or bounced contacts are left out, and each email carries an unsubscribe link.',
          'Their answers and conversations are not changed.',
        ],
        button: `Send to ${people}`,
        cancel,
        ...(a.total ? {} : { refusal: 'Nobody still subscribed wrote about it any more: there is no one to tell.' }),
      };
    },
    async (workspaceId, id) => {
      await followups.updates.send(workspaceId, id);
      return `/updates/${id}`;
    },
  );
  r.get('/updates/:id', sending.show);
  r.post('/updates/:id', ...sending.act);

  return r;
}

/** The nav's "Inbox (n)": open answers owned by whoever is signed in, for pages only. */
export const inboxCount = (followups: FollowupsService) => async (req: Request, res: Response, next: NextFunction) => {
  if (req.auth && req.method === 'GET')
    res.locals.inboxOpen = await followups.countOpenFor(req.auth.workspace.id, req.auth.user.id);
  next();
};
