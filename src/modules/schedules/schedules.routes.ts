import { Router, type Request, type Response } from 'express';
import { AppError } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import { TIME_ZONES } from '../../platform/timeZones';
import { idParam } from '../../platform/validation';
import { auth, confirmedAction, recordAction } from '../accounts';
import type { SurveysService } from '../surveys';
import type { Schedule } from './schedules.repository';
import { scheduleFormSchema, type ScheduleForm } from './schedules.schemas';
import type { SchedulesService } from './schedules.service';
import { PRESETS, slotsPerCycle } from './slots';
import type { WavesService } from './waves.service';
import type { Cadence } from './waves.repository';
import { who } from '../audit';

const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;

/** A saved schedule's cadence as a wave at `at` takes it (the engine works it out the same way). */
const cadenceAt = (s: Schedule, at: Date): Cadence =>
  s.cadence === 'rolling' && s.cycleDays
    ? { kind: 'rolling', cycleDays: s.cycleDays, slotsPerCycle: slotsPerCycle(s.cron, s.timeZone, at, s.cycleDays) }
    : { kind: 'everyone' };

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
    zones: TIME_ZONES,
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
      schedule: {
        ...schedule,
        ...schedules.describe(schedule),
        who: await schedules.audienceWords(workspaceId, schedule),
      },
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
    const list = await Promise.all(
      (await schedules.listForSurvey(workspaceId, survey.id)).map(async (s) => ({
        ...s,
        ...schedules.describe(s),
        who: await schedules.audienceWords(workspaceId, s),
      })),
    );
    res.render('schedules/list', { title: `Schedules — ${survey.title}`, survey, schedules: list });
  });

  r.get('/surveys/:id/schedules/new', async (req, res) => {
    res.render('schedules/form', {
      ...(await newPage(req)),
      values: {
        preset: PRESETS[0].key,
        cron: PRESETS[0].cron,
        timeZone: auth(req).workspace.timeZone,
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

  r.post(
    '/schedules/:id/pause',
    ...recordAction('schedule', async (workspaceId, id) => `/schedules/${(await schedules.pause(workspaceId, id)).id}`),
  );

  /** Activating says when it first sends and to how many, and asks to confirm. */
  const activation = confirmedAction(
    'schedule',
    async (req) => {
      const workspaceId = auth(req).workspace.id;
      const s = await schedules.get(workspaceId, idParam(req.params.id, 'schedule'));
      const now = await schedules.now();
      const [next, counts, who, refusal] = await Promise.all([
        schedules.nextSend(s),
        waves.scheduleCounts(workspaceId, s.surveyId, s.audience, cadenceAt(s, now)),
        schedules.audienceWords(workspaceId, s),
        schedules.activationRefusal(workspaceId, s),
      ]);
      const { words } = schedules.describe(s);
      const facts = [
        next ? `First send: ${next} (${words}, ${s.timeZone}).` : `${words}, ${s.timeZone}.`,
        `Audience: ${who}.`,
        `If it sent now, it would email ${people(counts.recipients)}` +
          (counts.throttled || counts.suppressed
            ? ` (${counts.throttled} left out by the throttle, ${counts.suppressed} unsubscribed or bounced).`
            : '.'),
        s.cadence === 'rolling'
          ? `Rolling pulse: each send asks a share of them, so each contact is asked about every ${s.cycleDays} days.`
          : 'Each send asks everyone in the audience who was not asked within the throttle.',
      ];
      return {
        title: `Activate “${s.name || words}”?`,
        facts,
        button: 'Activate schedule',
        cancel: `/schedules/${s.id}`,
        refusal: refusal ?? undefined,
      };
    },
    async (workspaceId, id, _user, req) => {
      const s = await schedules.activate(workspaceId, id, who(req));
      return `/schedules/${s.id}`;
    },
  );
  r.get('/schedules/:id/activate', activation.show);
  r.post('/schedules/:id/activate', ...activation.act);

  const removal = confirmedAction(
    'schedule',
    async (req) => {
      const s = await schedules.get(auth(req).workspace.id, idParam(req.params.id, 'schedule'));
      return {
        title: `Delete the schedule “${s.name || schedules.describe(s).words}”?`,
        facts: ['It stops: no further sends or reminders from it.'],
        keeps: [
          'The waves it already sent, their answers and the survey’s dashboard.',
          'Reminders already queued for those waves still go out to people who have not answered.',
        ],
        button: 'Delete schedule',
        danger: true,
        cancel: `/schedules/${s.id}`,
      };
    },
    async (workspaceId, id) => `/surveys/${(await schedules.remove(workspaceId, id)).surveyId}/schedules`,
  );
  r.get('/schedules/:id/delete', removal.show);
  r.post('/schedules/:id/delete', ...removal.act);

  return r;
}
