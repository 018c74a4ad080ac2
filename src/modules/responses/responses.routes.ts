import express, { Router } from 'express';
import { formView } from '../../platform/http';
import { primaryScale } from '../surveys';
import { scoreFrom } from './answer.schema';
import type { ResponsesService } from './responses.service';

/**
 * The respondent's pages. No session and no login: the unguessable token in the path is the only
 * credential, and no cookie exists for a forged cross-site form to ride on, so these forms carry no CSRF
 * token (and the RFC 8058 one-click unsubscribe, which arrives with no cookies at all, keeps working).
 */
export function responsesRoutes(responses: ResponsesService) {
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '64kb' }));

  r.get('/r/:token', async (req, res) => {
    const inv = await responses.open(req.params.token);
    // The clicked score is only preselected: mail scanners prefetch every link, so a GET never answers.
    const clicked = scoreFrom(inv.questions, req.query.score);
    const scaleQ = primaryScale(inv.questions);
    const values: Record<string, unknown> = { ...(scaleQ && inv.score !== null ? { [scaleQ.id]: inv.score } : {}) };
    if (scaleQ && clicked !== undefined) values[scaleQ.id] = clicked;
    const textQ = inv.questions.find((q) => q.type === 'long_text');
    if (textQ && inv.comment) values[textQ.id] = inv.comment;
    res.render('respond/answer', { inv, token: req.params.token, values, errors: {}, answered: inv.score !== null });
  });

  r.post('/r/:token', formView('respond/answer'), async (req, res) => {
    const token = String(req.params.token);
    res.locals.inv = await responses.open(token);
    res.locals.token = token;
    await responses.answer(token, req.body ?? {});
    res.redirect(303, `/r/${token}/thanks`);
  });

  r.get('/r/:token/thanks', async (req, res) => {
    res.render('respond/thanks', { inv: await responses.open(req.params.token), token: req.params.token });
  });

  r.get('/r/:token/unsubscribe', async (req, res) => {
    res.render('respond/unsubscribe', { inv: await responses.open(req.params.token), token: req.params.token, done: false });
  });

  r.post('/r/:token/unsubscribe', async (req, res) => {
    const inv = await responses.unsubscribe(req.params.token);
    res.render('respond/unsubscribe', { inv, token: req.params.token, done: true });
  });

  return r;
}
