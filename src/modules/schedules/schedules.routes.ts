import { Router, type Request, type Response } from 'express';
import { AppError } from '../../platform/errors';
import { formView } from '../../platform/http';
import { idParam, parse } from '../../platform/validation';
import { auth } from '../accounts';
import type { SurveysService } from '../surveys';
import type { Schedule } from './schedules.repository';
import { scheduleFormSchema } from './schedules.schemas';
import type { SchedulesService } from './schedules.service';
import { PRESETS } from './slots';
import type { WavesService } from './waves.service';

const ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

/** What the form shows for a saved schedule. */
const valuesOf = (s: Schedule) => ({
  name: s.name,
  preset: PRESETS.find((p) => p.cron === s.cron)?.key ?? 'custom',
  cron: s.cron,
  timeZone: s.timeZone,
  cadence: s.cadence,
  cycleDays: s.cycleDays ?? '',
  reminderCount: String(s.reminderCount),
  reminderDays: String(s.reminderDays),
  segmentId: s.audience.segmentId ?? '',
  tags: (s.audience.tags ?? []).join(', '),
  properties: Object.entries(s.audience.properties ?? {})
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n'),
  endsOn: s.endsAt ? new Intl.DateTimeFormat('en-CA', { timeZone: s.timeZone }).format(s.endsAt) : '',
});

export function schedulesRoutes(deps: { schedules: SchedulesService; surveys: SurveysService; waves: WavesService }) {
  const { schedules, surveys, waves } = deps;
  const r = Router();

  /** The form's own locals, set before parsing so a refused form re-renders complete. */
  const formLocals = async (res: Response, extra: Record<string, unknown>) =>
    Object.assign(res.locals, {
      presets: PRESETS,
      zones: ZONES,
      preview: undefined,
      segments: await schedules.segments(auth(res.req).workspace.id),
      ...extra,
    });

  /** "Preview" submits the form without saving: the expression in words and its next five slots. */
  async function previewOnly(req: Request, res: Response) {
    const form = parse(scheduleFormSchema, req.body);
    const preview = schedules.preview(form.cron, form.timeZone, await schedules.now());
    res.render('schedules/form', { values: { ...req.body, cron: form.cron }, errors: {}, preview });
  }

  r.get('/surveys/:id/schedules', async (req, res) => {
    const workspaceId = auth(req).workspace.id;
    const survey = await surveys.get(workspaceId, idParam(req.params.id, 'survey'));
    const list = (await schedules.listForSurvey(workspaceId, survey.id)).map((s) => ({
      ...s,
      ...schedules.describe(s),
    }));
    res.render('schedules/list', { title: `Schedules — ${survey.title}`, survey, schedules: list });
  });

  r.get('/surveys/:id/schedules/new', async (req, res) => {
    const survey = await surveys.get(auth(req).workspace.id, idParam(req.params.id, 'survey'));
    await formLocals(res, { survey, schedule: undefined, title: 'New schedule' });
    res.render('schedules/form', {
      values: {
        preset: PRESETS[0].key,
        cron: PRESETS[0].cron,
        timeZone: 'UTC',
        cadence: 'everyone',
        reminderCount: '1',
        reminderDays: '3',
      },
      errors: {},
    });
  });

  r.post('/surveys/:id/schedules', formView('schedules/form'), async (req, res) => {
    const { workspace, user } = auth(req);
    const survey = await surveys.get(workspace.id, idParam(req.params.id, 'survey'));
    await formLocals(res, { survey, schedule: undefined, title: 'New schedule' });
    if (req.body.intent === 'preview') return previewOnly(req, res);
    const id = await schedules.create(workspace.id, survey.id, user.id, parse(scheduleFormSchema, req.body));
    res.redirect(303, `/schedules/${id}`);
  });

  r.get('/schedules/preview', async (req, res) => {
    try {
      const p = schedules.preview(
        String(req.query.cron ?? ''),
        String(req.query.timeZone ?? ''),
        await schedules.now(),
      );
      res.json({ words: p.words, next: p.next.map((n) => n.local) });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      res.status(err.status).json({ error: { code: err.code, message: err.message, fields: err.fields } });
    }
  });

  r.get('/schedules/:id', async (req, res) => {
    const workspaceId = auth(req).workspace.id;
    const schedule = await schedules.get(workspaceId, idParam(req.params.id, 'schedule'));
    const survey = await surveys.get(workspaceId, schedule.surveyId);
    const history = await waves.listForSchedule(workspaceId, schedule.id);
    const now = await schedules.now();
    await formLocals(res, {
      survey,
      schedule: { ...schedule, ...schedules.describe(schedule) },
      history,
      title: schedule.name || 'Schedule',
    });
    res.render('schedules/form', {
      values: valuesOf(schedule),
      errors: {},
      preview: schedules.preview(schedule.cron, schedule.timeZone, now),
    });
  });

  r.post('/schedules/:id', formView('schedules/form'), async (req, res) => {
    const workspaceId = auth(req).workspace.id;
    const schedule = await schedules.get(workspaceId, idParam(req.params.id, 'schedule'));
    const survey = await surveys.get(workspaceId, schedule.surveyId);
    await formLocals(res, {
      survey,
      schedule: { ...schedule, ...schedules.describe(schedule) },
      history: [],
      title: schedule.name || 'Schedule',
    });
    if (req.body.intent === 'preview') return previewOnly(req, res);
    await schedules.update(workspaceId, schedule.id, parse(scheduleFormSchema, req.body));
    res.redirect(303, `/schedules/${schedule.id}`);
  });

  r.post('/schedules/:id/pause', async (req, res) => {
    const s = await schedules.setPaused(auth(req).workspace.id, idParam(req.params.id, 'schedule'), true);
    res.redirect(303, `/surveys/${s.surveyId}/schedules`);
  });

  r.post('/schedules/:id/resume', async (req, res) => {
    const s = await schedules.setPaused(auth(req).workspace.id, idParam(req.params.id, 'schedule'), false);
    res.redirect(303, `/surveys/${s.surveyId}/schedules`);
  });

  r.post('/schedules/:id/delete', async (req, res) => {
    const s = await schedules.remove(auth(req).workspace.id, idParam(req.params.id, 'schedule'));
    res.redirect(303, `/surveys/${s.surveyId}/schedules`);
  });

  return r;
}
