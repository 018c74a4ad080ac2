import { Router, type Request, type Response } from 'express';
import type { Db } from '../../platform/db';
import { forbidden, invalid } from '../../platform/errors';
import { idParam, parse } from '../../platform/validation';
import { auth } from '../accounts';
import { primaryScale, type SurveysService } from '../surveys';
import type { WavesService } from '../schedules';
import type { Exporter } from './export';
import {
  compareSchema,
  cursorSchema,
  encodeCursor,
  filtersSchema,
  grainSchema,
  GRAINS,
  questionIdSchema,
  searchSchema,
  type Filters,
} from './insights.schemas';
import { THEME_SAMPLE, type InsightsService, type View } from './insights.service';
import * as present from './present';
import { bandLabel, highBandLabel, SCALE_NAMES } from './metrics';
import { FEW_ANSWERS } from './trend';
import type { Auditor } from '../audit';

/** The survey's public link, when it allows one (the respondent module mints and keeps it). */
type PublicLinkOf = (workspaceId: string, surveyId: string) => Promise<string>;
type Named = { id: string; name: string };

/** The filters back as a query string, for every link that keeps them. */
export function filtersQuery(f: Filters, extra: Record<string, string | undefined> = {}) {
  const q = new URLSearchParams();
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  if (f.version) q.set('version', String(f.version));
  if (f.segment) q.set('segment', f.segment);
  if (f.tag) q.set('tag', f.tag);
  if (f.prop) q.set('prop', `${f.prop.key}:${f.prop.value}`);
  if (f.owner) q.set('owner', f.owner);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, v);
  return q.toString();
}

const slug = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'survey';

export function insightsRoutes(deps: {
  db: Db;
  insights: InsightsService;
  exporter: Exporter;
  surveys: SurveysService;
  waves: WavesService;
  segments: (workspaceId: string) => Promise<Named[]>;
  publicUrl: string;
  publicLinkOf: PublicLinkOf;
  audit: Auditor;
}) {
  const r = Router();

  async function load(req: Request) {
    const { workspace } = auth(req);
    const surveyId = idParam(req.params.id, 'survey');
    const filters = parse(filtersSchema, req.query, 'Please correct the filters.');
    const view = await deps.insights.view(workspace, surveyId, filters);
    return view;
  }

  /** What every insights page shows around its content: the filter form, its lists and the links that keep them. */
  async function frame(req: Request, view: View) {
    const { workspace } = auth(req);
    const [segments, teammates] = await Promise.all([
      deps.segments(workspace.id),
      deps.surveys.teammates(workspace.id),
    ]);
    return {
      survey: view.survey,
      view,
      filters: view.filters,
      qs: (extra?: Record<string, string | undefined>) => filtersQuery(view.filters, extra),
      segments,
      teammates,
      threshold: view.threshold,
      primary: primaryScale(view.scope.questions),
      fmt: present,
      sample: THEME_SAMPLE,
    };
  }

  r.get('/surveys/:id', async (req, res) => {
    const view = await load(req);
    const grain = parse(grainSchema, req.query.grain, 'Please correct the filters.');
    const [data, around, waves] = await Promise.all([
      deps.insights.dashboard(view, grain),
      frame(req, view),
      deps.waves.listForSurvey(view.scope.workspaceId, view.survey.id),
    ]);
    const publicLink = view.survey.publicLinkEnabled
      ? `${deps.publicUrl}/r/p/${await deps.publicLinkOf(view.scope.workspaceId, view.survey.id)}`
      : undefined;
    res.render('insights/dashboard', {
      title: view.survey.title,
      ...around,
      ...data,
      grains: GRAINS,
      grainAsked: grain,
      waves,
      publicLink,
      scaleNames: SCALE_NAMES,
      highBandLabel,
      bandLabel,
      fewAnswers: FEW_ANSWERS,
    });
  });

  r.get('/surveys/:id/comments/:question', async (req, res) => {
    const view = await load(req);
    const questionId = parse(questionIdSchema, req.params.question, 'Choose an open question of this survey.');
    const q = parse(searchSchema, req.query.q, 'Please correct the search.');
    const after = parse(cursorSchema, req.query.after, 'That page link is broken.');
    const [page, around] = await Promise.all([
      deps.insights.comments(view, { questionId, q, after }),
      frame(req, view),
    ]);
    res.render('insights/comments', {
      title: `${view.survey.title} · ${page.question.text}`,
      ...around,
      ...page,
      q,
      first: !after,
      nextCursor: page.next ? encodeCursor(page.next.at, page.next.id) : undefined,
    });
  });

  r.get('/surveys/:id/responses', async (req, res) => {
    const view = await load(req);
    const after = parse(cursorSchema, req.query.after, 'That page link is broken.');
    const [page, around] = await Promise.all([deps.insights.responses(view, after), frame(req, view)]);
    res.render('insights/responses', {
      title: `${view.survey.title} · Responses`,
      ...around,
      ...page,
      first: !after,
      nextCursor: page.next ? encodeCursor(page.next.at, page.next.id) : undefined,
    });
  });

  r.get('/surveys/:id/compare', async (req, res) => {
    const view = await load(req);
    const { a, b } = parse(compareSchema, req.query, 'Choose two segments to compare.');
    if (view.filters.segment)
      throw invalid('Each side of a comparison is a segment: clear the segment filter first.', {
        segment: 'Clear this filter to compare two segments.',
      });
    const [result, around] = await Promise.all([deps.insights.compare(view, a, b), frame(req, view)]);
    const names = new Map(around.segments.map((s) => [s.id, s.name]));
    res.render('insights/compare', {
      title: `${view.survey.title} · Compare`,
      ...around,
      ...result,
      a: { id: a, name: names.get(a) ?? 'Segment A' },
      b: { id: b, name: names.get(b) ?? 'Segment B' },
      scaleNames: SCALE_NAMES,
      highBandLabel,
    });
  });

  // One route per format (the route table lists plain paths).
  const exportAs = (format: 'csv' | 'jsonl') => async (req: Request, res: Response) => {
    const view = await load(req);
    const { tooSmall } = await deps.insights.exportable(view);
    if (tooSmall)
      throw forbidden(
        `Fewer than ${view.threshold} people answered within these filters: their answers are not exported, to keep them anonymous.`,
      );
    const filename = `${slug(view.survey.title)}-${new Date().toISOString().slice(0, 10)}.${format}`;
    await deps.audit(req, {
      action: 'export.survey',
      subject: view.survey.title,
      details: { format, filters: Object.fromEntries(new URLSearchParams(filtersQuery(view.filters))) },
    });
    await deps.exporter[format](res, view.scope, filename);
  };
  r.get('/surveys/:id/export.csv', exportAs('csv'));
  r.get('/surveys/:id/export.jsonl', exportAs('jsonl'));

  return r;
}
