import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../platform/db';
import { AppError, invalid, notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { textBody } from '../../platform/text';
import { parse } from '../../platform/validation';
import type { AccountsService } from '../accounts';
import { contactUpsertSchema, LOCALES, type ContactsService } from '../contacts';
import { responsesFeed, type InsightsService } from '../insights';
import type { ResponsesHistory } from '../responses';
import type { WavesService } from '../schedules';
import { primaryScale, scaleRange, type SurveysService } from '../surveys';
import { apiAuth, keyOf, keyRateLimit, requireScope } from './auth';
import { delightedSurvey } from './delighted.settings';
import type { ApiKeysService } from './keys.service';
import { toApiError } from './problems';

export type DelightedDeps = {
  db: Db;
  log: Logger;
  publicUrl: string;
  keys: ApiKeysService;
  accounts: AccountsService;
  contacts: ContactsService;
  surveys: SurveysService;
  waves: WavesService;
  insights: InsightsService;
  /** Answers collected elsewhere (POST /v1/survey_responses). */
  answers: ResponsesHistory;
  rateLimit: number;
};

/** A posted answer dated further back than this is history (a backfill), not news: see POST /v1/survey_responses. */
const HISTORY_AFTER_MS = 24 * 3600 * 1000;

const unix = (d: Date | string) => Math.floor(new Date(d).getTime() / 1000);
const unixParam = (name: string) =>
  z
    .string()
    .regex(/^\d{1,11}$/, `${name}: use a Unix timestamp in seconds, like 1767225600.`)
    .transform((v) => new Date(Number(v) * 1000))
    .optional();
const pageParams = {
  per_page: z
    .string()
    .regex(/^\d{1,3}$/, 'per_page: use a number from 1 to 100.')
    .transform(Number)
    .pipe(z.number().min(1, 'per_page: use a number from 1 to 100.').max(100, 'per_page: use a number from 1 to 100.'))
    .default(20),
  page: z
    .string()
    .regex(/^\d{1,6}$/, 'page: use a page number from 1.')
    .transform(Number)
    .pipe(z.number().min(1, 'page: use a page number from 1.'))
    .default(1),
};

const personIn = z.object({
  email: z.string({ error: 'email is required.' }),
  name: z.string().optional(),
  properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  delay: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  send: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  last_sent_at: z.unknown().optional(),
  email_update: z.unknown().optional(),
  channel: z.enum(['email'], { error: 'Rapport sends surveys by email only.' }).optional(),
});

const responsesQuery = z.object({
  ...pageParams,
  since: unixParam('since'),
  until: unixParam('until'),
  updated_since: unixParam('updated_since'),
  updated_until: unixParam('updated_until'),
  order: z
    .enum(['asc', 'desc', 'asc:updated_at', 'desc:updated_at'], {
      error: 'order: asc, desc, asc:updated_at or desc:updated_at.',
    })
    .default('asc'),
  trend: z.unknown().optional(),
  person_id: z.string().optional(),
  person_email: z.string().optional(),
  'expand[]': z.union([z.string(), z.array(z.string())]).optional(),
});

// Delighted's POST /v1/survey_responses: `person` (the id people.create answered), `score`, and optionally
// `comment`, `person_properties` and `created_at` (Unix seconds: when the answer was collected).
const responseIn = z.object({
  person: z.union([z.string(), z.number()], { error: 'person is required: the id POST /v1/people answered.' }),
  score: z.union(
    [
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/, 'score: use a whole number.')
        .transform(Number),
    ],
    {
      error: 'score is required.',
    },
  ),
  comment: z.string().max(5000, 'comment: at most 5,000 characters.').nullable().optional(),
  person_properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  created_at: z
    .union(
      [
        z.number().int(),
        z
          .string()
          .regex(/^\d{1,11}$/)
          .transform(Number),
      ],
      {
        error: 'created_at: use a Unix timestamp in seconds, like 1767225600.',
      },
    )
    .optional(),
});

const listQuery = z.object({ ...pageParams, since: unixParam('since'), until: unixParam('until') });

/**
 * The Delighted-compatible door: Delighted's `/v1` paths, fields, Unix timestamps, page/per_page paging and status
 * codes, each path with and without `.json` (the Node client omits it, Ruby and Python add it), mapped onto the
 * workspace's Delighted survey (delighted.settings.ts). Thin like /api/v1: the use cases are the other modules'.
 */
export function delightedRoutes(d: DelightedDeps) {
  const r = Router();
  const nps = delightedSurvey(d.db, d.surveys);
  r.use('/v1', ...textBody({ limit: '1mb' }));
  r.use('/v1', apiAuth(d.keys), keyRateLimit(d.db, d.rateLimit));

  /** Both spellings of a path, as plain paths (the route table lists each). */
  const route = (method: 'get' | 'post' | 'delete', path: string, scope: 'read' | 'write', handle: RequestHandler) => {
    for (const p of [path, `${path}.json`]) r[method](p, requireScope(scope), handle);
  };
  const ws = (req: Request) => keyOf(req).workspaceId;

  /** Someone in another system, by email: upserted, so their answers and unsubscribes have a contact. */
  const personByEmail = async (workspaceId: string, email: string) =>
    (await d.contacts.upsert(workspaceId, parse(contactUpsertSchema, { email }))).contact;

  route('post', '/v1/people', 'write', async (req, res) => {
    const body = parse(personIn, req.body);
    const workspaceId = ws(req);
    const survey = await nps.resolve(workspaceId);
    const { locale, ...props } = body.properties ?? {};
    const send = body.send === undefined ? true : body.send === true || body.send === 'true';
    const delay = body.delay === undefined ? 0 : Number(body.delay);
    if (!Number.isInteger(delay) || delay < 0 || delay > 30 * 86400)
      throw invalid('Please correct the highlighted fields.', {
        delay: 'Use whole seconds from 0 to 2592000 (30 days).',
      });
    const input = parse(contactUpsertSchema, {
      email: body.email,
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(typeof locale === 'string' && (LOCALES as readonly string[]).includes(locale.slice(0, 2))
        ? { locale: locale.slice(0, 2) }
        : {}),
      ...(Object.keys(props).length
        ? { properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v ?? ''])) }
        : {}),
    });
    if (send) await d.waves.assertInvitable(workspaceId, survey.id);
    const { contact } = await d.contacts.upsert(workspaceId, input);
    let scheduled: Date | null = null;
    if (send) {
      const asked = await d.waves.invite(workspaceId, survey.id, {
        contactId: contact.id,
        delaySeconds: delay,
        event: 'delighted.people.create',
        properties: body.properties ?? {},
        apiKeyId: keyOf(req).id,
        reminders: { count: 0, days: 3 },
      });
      scheduled = asked.invitation?.sendAt ?? null;
    }
    res.json({
      id: contact.id,
      email: contact.email,
      name: contact.name || null,
      survey_scheduled_at: scheduled ? unix(scheduled) : null,
    });
  });

  /** `/v1/people/email:ana@example.com` or `/v1/people/<id>`. */
  route('delete', '/v1/people/:person', 'write', async (req, res) => {
    const workspaceId = ws(req);
    const raw = String(req.params.person);
    const contact = raw.startsWith('email:')
      ? await d.contacts.findByEmail(workspaceId, raw.slice(6))
      : /^[0-9a-f-]{36}$/i.test(raw)
        ? await d.contacts.get(workspaceId, raw.toLowerCase()).catch(() => undefined)
        : undefined;
    if (!contact) throw notFound('person');
    await d.contacts.remove(workspaceId, contact.id);
    res.status(202).json({ ok: true });
  });

  route('delete', '/v1/people/:email/survey_requests/pending', 'write', async (req, res) => {
    const workspaceId = ws(req);
    const contact = await d.contacts.findByEmail(workspaceId, String(req.params.email));
    if (contact) await d.waves.cancelPending(workspaceId, contact.id);
    res.json({ ok: true });
  });

  route('get', '/v1/survey_responses', 'read', async (req, res) => {
    const q = parse(responsesQuery, req.query ?? {});
    if (q.trend !== undefined)
      throw invalid('Rapport has no trends: filter people with segments in Rapport, or leave trend out.', {
        trend: 'Not supported.',
      });
    const workspaceId = ws(req);
    const survey = await nps.resolve(workspaceId);
    const expand = new Set([q['expand[]'] ?? []].flat());
    let contactId: string | undefined;
    if (q.person_email !== undefined || q.person_id !== undefined) {
      const c = q.person_email !== undefined ? await d.contacts.findByEmail(workspaceId, q.person_email) : undefined;
      contactId = c?.id ?? q.person_id;
      if (!contactId || !/^[0-9a-f-]{36}$/i.test(contactId)) return void res.json([]);
    }
    const [dir, by] = q.order.split(':') as ['asc' | 'desc', string | undefined];
    const rows = await responsesFeed(d.db, {
      workspaceId,
      surveyId: survey.id,
      contactId,
      since: q.since,
      until: q.until && new Date(q.until.getTime() + 1000),
      updatedSince: q.updated_since,
      updatedUntil: q.updated_until && new Date(q.updated_until.getTime() + 1000),
      orderBy: by === 'updated_at' ? 'updated' : 'submitted',
      order: dir,
      offset: (q.page - 1) * q.per_page,
      limit: q.per_page + 1,
    });
    if (rows.length > q.per_page) {
      const next = new URL(`${d.publicUrl}${req.path}`);
      for (const [k, v] of Object.entries(req.query ?? {}))
        for (const x of [v].flat()) next.searchParams.append(k, String(x));
      next.searchParams.set('page', String(q.page + 1));
      res.set('Link', `<${next.toString()}>; rel="next"`);
    }
    res.json(
      rows.slice(0, q.per_page).map((x) => ({
        id: x.id,
        person:
          expand.has('person') && x.contactId
            ? { id: x.contactId, email: x.contactEmail, name: x.contactName || null, created_at: null }
            : x.contactId,
        survey_type: 'nps',
        score: x.score,
        comment: x.comment || null,
        permalink: `${d.publicUrl}/inbox/${x.id}`,
        created_at: unix(x.submittedAt),
        updated_at: unix(x.updatedAt),
        person_properties: x.contactProperties ?? {},
        notes: [],
        tags: [],
        additional_answers: [],
      })),
    );
  });

  /**
   * An answer your own page collected. It is an answer like a respondent's (the inbox opens it, an unhappy one
   * alerts, webhooks hear of it), unless `created_at` is more than a day back: then it is a backfill of history
   * and is filed like an imported one (closed, no alert, no webhook), and posting it again changes nothing.
   */
  route('post', '/v1/survey_responses', 'write', async (req, res) => {
    const body = parse(responseIn, req.body);
    const workspaceId = ws(req);
    const survey = await nps.resolve(workspaceId);
    const [lo, hi] = scaleRange(primaryScale(survey.questions)!);
    const fields: Record<string, string> = {};
    if (!Number.isInteger(body.score) || body.score < lo || body.score > hi)
      fields.score = `score: use a whole number from ${lo} to ${hi}.`;
    const now = Date.now();
    const at = body.created_at === undefined ? new Date(now) : new Date(body.created_at * 1000);
    if (at.getTime() > now + 60_000) fields.created_at = 'created_at: a time in the past (Unix seconds).';
    const personId = String(body.person).toLowerCase();
    const contact = /^[0-9a-f-]{36}$/.test(personId)
      ? await d.contacts.get(workspaceId, personId).catch(() => undefined)
      : undefined;
    if (!contact) fields.person = 'person: no such person. Use the id POST /v1/people answered.';
    if (Object.keys(fields).length) throw invalid('Please correct the highlighted fields.', fields);
    // As stored (and as GET /v1/survey_responses gives them back): strings.
    const props = Object.fromEntries(
      Object.entries(body.person_properties ?? {}).map(([k, v]) => [k, String(v ?? '')]),
    );
    // Delighted keeps properties per answer; Rapport keeps them on the person, where segments read them.
    if (Object.keys(props).length)
      await d.contacts.upsert(workspaceId, parse(contactUpsertSchema, { email: contact!.email, properties: props }));
    const made = await d.answers.add(
      workspaceId,
      survey.id,
      { contactId: contact!.id, score: body.score, comment: body.comment ?? null, at: at.toISOString() },
      { imported: now - at.getTime() > HISTORY_AFTER_MS },
    );
    res.status(201).json({
      id: made.id,
      person: contact!.id,
      survey_type: 'nps',
      score: body.score,
      comment: body.comment || null,
      permalink: `${d.publicUrl}/inbox/${made.id}`,
      created_at: unix(made.submittedAt),
      updated_at: unix(made.updatedAt),
      person_properties: body.person_properties ? props : null,
      notes: [],
      tags: [],
      additional_answers: [],
    });
  });

  route('get', '/v1/metrics', 'read', async (req, res) => {
    const q = parse(
      z.object({ since: unixParam('since'), until: unixParam('until'), trend: z.unknown().optional() }),
      req.query ?? {},
    );
    if (q.trend !== undefined) throw invalid('Rapport has no trends: leave trend out.', { trend: 'Not supported.' });
    const workspaceId = ws(req);
    const survey = await nps.resolve(workspaceId);
    const workspace = (await d.accounts.findWorkspace(workspaceId))!;
    // Insights count whole UTC days: since and until are taken at the days they fall on.
    const day = (t?: Date) => t?.toISOString().slice(0, 10);
    const view = await d.insights.view(workspace, survey.id, {
      from: day(q.since),
      to: day(q.until),
      tag: undefined,
      prop: undefined,
    });
    const { sections } = await d.insights.summary(view);
    const s = sections.find((x) => x.kind === 'scale' && x.type === 'nps');
    const bands =
      s?.kind === 'scale'
        ? (s.bands ?? { promoters: 0, passives: 0, detractors: 0 })
        : { promoters: 0, passives: 0, detractors: 0 };
    const total = bands.promoters + bands.passives + bands.detractors;
    const pct = (n: number) => (total ? Math.round((n * 10000) / total) / 100 : 0);
    res.json({
      nps: total ? Math.round(pct(bands.promoters) - pct(bands.detractors)) : 0,
      promoter_count: bands.promoters,
      promoter_percent: pct(bands.promoters),
      passive_count: bands.passives,
      passive_percent: pct(bands.passives),
      detractor_count: bands.detractors,
      detractor_percent: pct(bands.detractors),
      response_count: total,
    });
  });

  const listOf = (status: 'unsubscribed' | 'bounced', at: string) =>
    (async (req: Request, res: Response) => {
      const q = parse(listQuery, req.query ?? {});
      const rows = await d.contacts.listByStatus(ws(req), status, {
        since: q.since,
        until: q.until,
        offset: (q.page - 1) * q.per_page,
        limit: q.per_page,
      });
      res.json(rows.map((c) => ({ person_id: c.id, email: c.email, name: c.name || null, [at]: unix(c.updatedAt) })));
    }) as RequestHandler;

  route('get', '/v1/unsubscribes', 'read', listOf('unsubscribed', 'unsubscribed_at'));
  route('post', '/v1/unsubscribes', 'write', async (req, res) => {
    const { person_email } = parse(
      z.object({ person_email: z.string({ error: 'person_email is required.' }) }),
      req.body,
    );
    const workspaceId = ws(req);
    const contact = await personByEmail(workspaceId, person_email);
    await d.contacts.unsubscribe(workspaceId, contact.id);
    res.json({ ok: true });
  });
  route('get', '/v1/bounces', 'read', listOf('bounced', 'bounced_at'));

  r.use('/v1', (_req, _res, next) => next(notFound('resource')));
  r.use('/v1', delightedErrors(d.log));
  return r;
}

/** Delighted's error shape: `{ status, message, errors? }`, JSON, with Delighted's status codes. */
const delightedErrors =
  (log: Logger) =>
  (raw: Error, req: Request, res: Response, _next: NextFunction): void => {
    const err: AppError = toApiError(raw);
    if (err.status >= 500) (req.log ?? log).error({ err: raw }, 'delighted request failed');
    if (res.headersSent) return;
    const errors = Object.entries(err.fields).map(([field, message]) => ({ field, message }));
    res.status(err.status).json({ status: err.status, message: err.message, ...(errors.length ? { errors } : {}) });
  };
