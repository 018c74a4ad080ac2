import { Router } from 'express';
import type { Db } from '../../platform/db';
import { idParam } from '../../platform/validation';
import { auth } from '../accounts';
import type { SurveysService } from '../surveys';
import type { WavesService } from '../schedules';
import { getNpsSummary } from './queries/getNpsSummary';
import { getNpsTrend } from './queries/getNpsTrend';
import { getResponseRate } from './queries/getResponseRate';
import { getLatestComments } from './queries/getLatestComments';
import { getNpsPeriods } from './queries/getNpsPeriods';
import { getLoopClosure } from './queries/getLoopClosure';
import { compareNps, estimateNps } from './npsStats';

/** The survey's public link, when it allows one (the respondent module mints and keeps it). */
type PublicLinkOf = (workspaceId: string, surveyId: string) => Promise<string>;

export function insightsRoutes(deps: {
  db: Db;
  surveys: SurveysService;
  waves: WavesService;
  publicUrl: string;
  publicLinkOf: PublicLinkOf;
}) {
  const { db } = deps;
  const r = Router();

  r.get('/surveys/:id', async (req, res) => {
    const workspaceId = auth(req).workspace.id;
    const survey = await deps.surveys.get(workspaceId, idParam(req.params.id, 'survey'));
    // Versions differ in texts and scales: the dashboard can narrow to one (all versions by default).
    const raw =
      typeof req.query.version === 'string' && /^\d{1,4}$/.test(req.query.version) ? Number(req.query.version) : null;
    const version = raw && raw <= survey.currentVersion ? raw : null;
    const [summary, trend, rate, comments, waves, periods, loop] = await Promise.all([
      getNpsSummary(db, workspaceId, survey.id, version),
      getNpsTrend(db, workspaceId, survey.id, version),
      getResponseRate(db, workspaceId, survey.id, version),
      getLatestComments(db, workspaceId, survey.id, version),
      deps.waves.listForSurvey(workspaceId, survey.id),
      getNpsPeriods(db, workspaceId, survey.id, version),
      getLoopClosure(db, workspaceId, survey.id, version),
    ]);
    const publicLink = survey.publicLinkEnabled
      ? `${deps.publicUrl}/r/p/${await deps.publicLinkOf(workspaceId, survey.id)}`
      : undefined;
    const current = estimateNps(periods.current);
    const previous = estimateNps(periods.previous);
    const overall = estimateNps(summary);
    const change = compareNps(current, previous);
    res.render('insights/dashboard', {
      title: survey.title,
      survey,
      version,
      publicLink,
      summary,
      overall,
      trend,
      rate,
      comments,
      waves,
      current,
      previous,
      change,
      loop,
    });
  });

  return r;
}
