import { Router } from 'express';
import { z } from 'zod';
import { formView } from '../../platform/http';
import { parse } from '../../platform/validation';
import { auth } from '../accounts';
import type { SurveysService } from './surveys.service';
import { TEMPLATES } from './templates';

const createSchema = z.object({
  template: z.string({ error: 'Choose a template.' }).min(1, 'Choose a template.'),
  title: z.string().trim().max(200, 'Use at most 200 characters for the title.').optional(),
});

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
    const input = parse(createSchema, req.body);
    const id = await surveys.createFromTemplate(auth(req).workspace.id, input.template, input.title);
    res.redirect(303, `/surveys/${id}`);
  });

  return r;
}
