import { Router, type Request, type Response } from 'express';
import { formView } from '../../platform/http';
import { idParam, parse } from '../../platform/validation';
import { auth } from '../accounts';
import {
  applyAction,
  BAND_LABELS,
  readAction,
  readDraftForm,
  toDraftForm,
  TYPE_LABELS,
  type DraftForm,
} from './builder';
import { renderPreview } from './preview';
import { QUESTION_TYPES } from './questions';
import { createSurveySchema, LANGUAGE_NAMES, LANGUAGES, surveyDraftSchema } from './surveys.schemas';
import type { SurveysService } from './surveys.service';
import { TEMPLATES } from './templates';

const scoreParam = (v: unknown) => (typeof v === 'string' && /^\d{1,2}$/.test(v) ? Number(v) : undefined);

export function surveysRoutes(surveys: SurveysService) {
  const r = Router();

  r.get('/surveys', async (req, res) => {
    const list = await surveys.list(auth(req).workspace.id);
    res.render('surveys/list', { title: 'Surveys', surveys: list });
  });

  r.get('/surveys/new', (_req, res) => {
    res.render('surveys/new', { title: 'New survey', templates: TEMPLATES, values: {}, errors: {} });
  });

  r.post('/surveys', formView('surveys/new'), async (req, res) => {
    res.locals.templates = TEMPLATES;
    const input = parse(createSurveySchema, req.body);
    const id = await surveys.createFromTemplate(auth(req).workspace.id, input.template, input.title, input.topic);
    // A blank survey goes straight to the builder; a template is ready to send.
    res.redirect(303, input.template === 'blank' ? `/surveys/${id}/edit` : `/surveys/${id}`);
  });

  async function renderBuilder(
    req: Request,
    res: Response,
    id: string,
    form: DraftForm,
    extra: { errors?: Record<string, string>; notice?: string; status?: number },
  ) {
    const { workspace } = auth(req);
    const [survey, teammates, versions] = await Promise.all([
      surveys.get(workspace.id, id),
      surveys.teammates(workspace.id),
      surveys.versions(workspace.id, id),
    ]);
    const previewScore = scoreParam(req.body?.previewScore ?? req.query.score);
    const sender = teammates.find((t) => t.id === form.senderUserId)?.name ?? workspace.senderName;
    const preview = await renderPreview(
      req,
      {
        id,
        title: form.title || survey.title,
        intro: form.intro,
        language: form.language,
        version: survey.currentVersion,
        questions: form.questions as never,
        thankYouUrl: form.thankYouUrl || null,
      },
      workspace,
      sender,
      previewScore,
    );
    res.status(extra.status ?? 200).render('surveys/edit', {
      title: `Edit — ${survey.title}`,
      survey,
      form,
      errors: extra.errors ?? {},
      notice: extra.notice,
      teammates,
      versions,
      preview,
      previewScore,
      types: QUESTION_TYPES,
      typeLabels: TYPE_LABELS,
      bandLabels: BAND_LABELS,
      languages: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code] })),
    });
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
    await renderBuilder(req, res, id, toDraftForm(survey), { notice });
  });

  r.post('/surveys/:id/edit', async (req, res) => {
    const { workspace } = auth(req);
    const id = idParam(req.params.id, 'survey');
    const form = readDraftForm(req.body ?? {});
    const action = readAction(req.body ?? {});
    if (action.kind !== 'save') {
      // Add, move, remove and preview only re-render the draft: nothing is saved until "Save".
      form.questions = applyAction(form.questions, action);
      return renderBuilder(req, res, id, form, {});
    }
    const result = surveyDraftSchema.safeParse(form);
    if (!result.success) {
      const errors: Record<string, string> = { _form: 'Nothing was saved: please correct the highlighted fields.' };
      for (const issue of result.error.issues) errors[issue.path.join('.') || '_form'] ??= issue.message;
      return renderBuilder(req, res, id, form, { errors, status: 422 });
    }
    try {
      const { published } = await surveys.save(workspace.id, id, result.data);
      res.redirect(303, `/surveys/${id}/edit?saved=${published ? 'published' : 'yes'}`);
    } catch (err) {
      const e = err as { status?: number; fields?: Record<string, string>; message: string };
      if (e.status !== 422) throw err;
      await renderBuilder(req, res, id, form, { errors: { ...e.fields, _form: e.message }, status: 422 });
    }
  });

  /** A version exactly as respondents saw it; old versions stay readable after edits. */
  r.get('/surveys/:id/preview', async (req, res) => {
    const { workspace } = auth(req);
    const survey = await surveys.get(workspace.id, idParam(req.params.id, 'survey'));
    const version = scoreParam(req.query.version) ?? survey.currentVersion;
    const stored = await surveys.findVersion(survey.id, version);
    if (!stored) return res.redirect(303, `/surveys/${survey.id}/preview`);
    const teammates = await surveys.teammates(workspace.id);
    const sender = teammates.find((t) => t.id === survey.senderUserId)?.name ?? workspace.senderName;
    const html = await renderPreview(
      req,
      { ...survey, version, questions: stored.questions },
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
    });
  });

  r.post('/surveys/:id/archive', async (req, res) => {
    const id = idParam(req.params.id, 'survey');
    await surveys.archive(auth(req).workspace.id, id);
    res.redirect(303, `/surveys/${id}/edit`);
  });

  r.post('/surveys/:id/restore', async (req, res) => {
    const id = idParam(req.params.id, 'survey');
    await surveys.restore(auth(req).workspace.id, id);
    res.redirect(303, `/surveys/${id}/edit`);
  });

  r.post('/surveys/:id/delete', async (req, res) => {
    await surveys.remove(auth(req).workspace.id, idParam(req.params.id, 'survey'));
    res.redirect(303, '/surveys');
  });

  return r;
}
