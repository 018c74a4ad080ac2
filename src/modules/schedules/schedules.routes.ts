import { Router, type Request, type Response } from 'express';
import { AppError } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { auth, recordAction } from '../accounts';
import type { SurveysService } from '../surveys';
import type { Schedule } from './schedules.repository';
import { scheduleFormSchema, type ScheduleForm } from './schedules.schemas';
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

  /** Everything the schedule form shows around its fields. */
  const formPage = async <E extends Record<string, unknown>>(req: Request, extra: E) => ({
    presets: PRESETS,
    zones: ZONES,
    preview: undefined,
    segments: await schedules.segments(auth(req).workspace.id),
    ...extra,
  });
  const newPage = async (req: Request) => {
    const survey = await surveys.get(auth(req).workspace.id, idParam(req.params.id, 'survey'));
    return formPage(req, { survey, schedule: undefined, title: 'New schedule' });
  };
  const editPage = async (req: Request, history: unknown[] = []) => {
    const workspaceId = auth(req).workspace.id;
    const schedule = await schedules.get(workspaceId, idParam(req.params.id, 'schedule'));
    const survey = await surveys.get(workspaceId, schedule.surveyId);
    return formPage(req, {
      survey,
      schedule: { ...schedule, ...schedules.describe(schedule) },
      history,
      title: schedule.name || 'Schedule',
    });
  };

  /** "Preview" submits the form without saving: the expression in words and its next five slots. */
  async function previewOnly(req: Request, res: Response, form: ScheduleForm, page: Record<string, unknown>) {
    const preview = schedules.preview(form.cron, form.timeZone, await schedules.now());
    res.render('schedules/form', { ...page, values: { ...req.body, cron: form.cron }, errors: {}, preview });
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
    res.render('schedules/form', {
      ...(await newPage(req)),
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

  r.post(
    '/surveys/:id/schedules',
    ...handleForm({
      view: 'schedules/form',
      page: newPage,
      schema: scheduleFormSchema,
      run: async (form, req, res) => {
        const { workspace, user } = auth(req);
        const page = await newPage(req);
        if (req.body.intent === 'preview') return previewOnly(req, res, form, page);
        return `/schedules/${await schedules.create(workspace.id, page.survey.id, user.id, form)}`;
      },
    }),
  );

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
    const history = await waves.listForSchedule(workspaceId, schedule.id);
    const now = await schedules.now();
    res.render('schedules/form', {
      ...(await editPage(req, history)),
      values: valuesOf(schedule),
      errors: {},
      preview: schedules.preview(schedule.cron, schedule.timeZone, now),
    });
  });

  r.post(
    '/schedules/:id',
    ...handleForm({
      view: 'schedules/form',
      page: (req) => editPage(req),
      schema: scheduleFormSchema,
      run: async (form, req, res) => {
        const page = await editPage(req);
        if (req.body.intent === 'preview') return previewOnly(req, res, form, page);
        const schedule = await schedules.update(auth(req).workspace.id, idParam(req.params.id, 'schedule'), form);
        return `/schedules/${schedule.id}`;
      },
    }),
  );

  // Back to the survey's schedules.
  const action = (path: string, use: (workspaceId: string, id: string) => Promise<Schedule>) =>
    r.post(
      `/schedules/:id/${path}`,
      ...recordAction(
        'schedule',
        async (workspaceId, id) => `/surveys/${(await use(workspaceId, id)).surveyId}/schedules`,
      ),
    );
  action('pause', (workspaceId, id) => schedules.setPaused(workspaceId, id, true));
  action('resume', (workspaceId, id) => schedules.setPaused(workspaceId, id, false));
  action('delete', schedules.remove);

  return r;
}
