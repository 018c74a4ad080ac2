import { Router, type Request } from 'express';
import { handleForm } from '../../platform/forms';
import { idParam, parse } from '../../platform/validation';
import { auth, confirmedAction, recordAction } from '../accounts';
import { applyAction, BAND_LABELS, builderFormSchema, toDraftForm, TYPE_LABELS, type DraftForm } from './builder';
import { QUESTION_TYPES } from './questions';
import type { RenderPreview } from './preview';
import { createSurveySchema, LANGUAGE_NAMES, LANGUAGES, surveyDraftSchema } from './surveys.schemas';
import type { SurveysService } from './surveys.service';
import { TEMPLATES } from './templates';
import { translationStatus } from './translations';

const scoreParam = (v: unknown) => (typeof v === 'string' && /^\d{1,2}$/.test(v) ? Number(v) : undefined);
const languageParam = (v: unknown) =>
  typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v) ? v : undefined;

export function surveysRoutes(surveys: SurveysService, renderPreview: RenderPreview) {
  const r = Router();

  r.get('/surveys', async (req, res) => {
    const list = await surveys.list(auth(req).workspace.id);
    res.render('surveys/list', { title: 'Surveys', surveys: list });
  });

  r.get('/surveys/new', (_req, res) => {
    res.render('surveys/new', { title: 'New survey', templates: TEMPLATES, values: {}, errors: {} });
  });

  r.post(
    '/surveys',
    ...handleForm({
      view: 'surveys/new',
      page: () => ({ templates: TEMPLATES }),
      schema: createSurveySchema,
      run: async (input, req) => {
        const id = await surveys.createFromTemplate(auth(req).workspace.id, input.template, input.title, input.topic);
        // A blank survey goes straight to the builder; a template is ready to send.
        return input.template === 'blank' ? `/surveys/${id}/edit` : `/surveys/${id}`;
      },
    }),
  );

  /** The builder around a draft: the survey, its versions, the sender choices and the live preview. */
  async function builderPage(req: Request, id: string, form: DraftForm) {
    const { workspace } = auth(req);
    const [survey, teammates, versions] = await Promise.all([
      surveys.get(workspace.id, id),
      surveys.teammates(workspace.id),
      surveys.versions(workspace.id, id),
    ]);
    const previewScore = scoreParam(req.body?.previewScore ?? req.query.score);
    const previewLanguage = languageParam(req.body?.previewLanguage ?? req.query.lang) ?? form.language;
    const sender = teammates.find((t) => t.id === form.senderUserId)?.name ?? workspace.senderName;
    const preview = await renderPreview(
      req,
      {
        id,
        title: form.title || survey.title,
        intro: form.intro,
        subject: form.subject,
        translations: form.translations,
        language: form.language,
        previewLanguage,
        version: survey.currentVersion,
        questions: form.questions as never,
        thankYouUrl: form.thankYouUrl || null,
      },
      workspace,
      sender,
      previewScore,
    );
    return {
      title: `Edit — ${survey.title}`,
      survey,
      form,
      errors: {},
      teammates,
      versions,
      preview,
      previewScore,
      previewLanguage,
      // What each other language still lacks, from the draft as typed (the builder lists it before Save).
      translations: translationStatus({ ...form, questions: form.questions as never }),
      types: QUESTION_TYPES,
      typeLabels: TYPE_LABELS,
      bandLabels: BAND_LABELS,
      languages: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code] })),
    };
  }

  r.get('/surveys/:id/edit', async (req, res) => {
    const id = idParam(req.params.id, 'survey');
    const survey = await surveys.get(auth(req).workspace.id, id);
    const notice =
      req.query.saved === 'published'
        ? `Saved. Answers already given keep their version; new invitations use version ${survey.currentVersion}.`
        : req.query.saved
          ? 'Saved.'
          : undefined;
    res.render('surveys/edit', { ...(await builderPage(req, id, toDraftForm(survey))), notice });
  });

  r.post(
    '/surveys/:id/edit',
    ...handleForm({
      view: 'surveys/edit',
      page: (req) => builderPage(req, idParam(req.params.id, 'survey'), builderFormSchema.parse(req.body ?? {}).form),
      schema: builderFormSchema,
      run: async ({ form, action }, req, res) => {
        const id = idParam(req.params.id, 'survey');
        if (action.kind !== 'save') {
          // Add, move, remove and preview only draw the draft again: nothing is saved until "Save".
          form.questions = applyAction(form.questions, action);
          res.render('surveys/edit', await builderPage(req, id, form));
          return;
        }
        const draft = parse(surveyDraftSchema, form, 'Nothing was saved: please correct the highlighted fields.');
        const { published } = await surveys.save(auth(req).workspace.id, id, draft);
        return `/surveys/${id}/edit?saved=${published ? 'published' : 'yes'}`;
      },
    }),
  );

  /** A version exactly as respondents saw it; old versions stay readable after edits. */
  r.get('/surveys/:id/preview', async (req, res) => {
    const { workspace } = auth(req);
    const survey = await surveys.get(workspace.id, idParam(req.params.id, 'survey'));
    const version = scoreParam(req.query.version) ?? survey.currentVersion;
    const previewLanguage = languageParam(req.query.lang);
    const stored = await surveys.findVersion(survey.id, version);
    if (!stored) return res.redirect(303, `/surveys/${survey.id}/preview`);
    const teammates = await surveys.teammates(workspace.id);
    const sender = teammates.find((t) => t.id === survey.senderUserId)?.name ?? workspace.senderName;
    const html = await renderPreview(
      req,
      { ...survey, version, questions: stored.questions, previewLanguage },
      workspace,
      sender,
      scoreParam(req.query.score),
    );
    res.render('surveys/preview', {
      title: `Preview — ${survey.title}`,
      survey,
      version,
      preview: html,
      previewScore: scoreParam(req.query.score),
      previewLanguage: previewLanguage ?? survey.language,
      languages: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code] })),
    });
  });

  const toBuilder = (use: (workspaceId: string, id: string) => Promise<void>) => async (ws: string, id: string) => {
    await use(ws, id);
    return `/surveys/${id}/edit`;
  };
  r.post('/surveys/:id/archive', ...recordAction('survey', toBuilder(surveys.archive)));
  r.post('/surveys/:id/restore', ...recordAction('survey', toBuilder(surveys.restore)));
  const removal = confirmedAction(
    'survey',
    async (req) => {
      const workspaceId = auth(req).workspace.id;
      const survey = await surveys.get(workspaceId, idParam(req.params.id, 'survey'));
      const versions = await surveys.versions(workspaceId, survey.id);
      const answered = versions.some((v) => v.responses > 0);
      return {
        title: `Delete the survey “${survey.title}”?`,
        facts: [
          'The survey, its questions and every version are deleted.',
          'Its schedules stop, and invitations sent for it no longer open a page.',
        ],
        keeps: ['Your contacts, and the suppression list.'],
        button: 'Delete survey',
        danger: true,
        cancel: `/surveys/${survey.id}/edit`,
        refusal: answered
          ? 'This survey has answers, so it can only be archived: its answers stay in the dashboards.'
          : undefined,
      };
    },
    async (workspaceId, id) => {
      await surveys.remove(workspaceId, id);
      return '/surveys';
    },
  );
  r.get('/surveys/:id/delete', removal.show);
  r.post('/surveys/:id/delete', ...removal.act);

  return r;
}
