import type { Request } from 'express';
import type { Workspace } from '../accounts';
import { primaryScale, scaleRange, type Question } from './questions';

/**
 * Renders the respondent's own page (views/respond/answer.ejs) for a draft, so the preview is exactly
 * what a respondent sees. The builder shows it in a sandboxed frame where its form cannot submit.
 */
export async function renderPreview(
  req: Request,
  s: { id: string; title: string; intro: string; language: string; version: number; questions: Question[]; thankYouUrl: string | null },
  workspace: Workspace,
  senderName: string,
  score?: number,
): Promise<string> {
  const scaleQ = primaryScale(s.questions);
  const values: Record<string, unknown> = {};
  if (scaleQ && score !== undefined) {
    const [lo, hi] = scaleRange(scaleQ);
    if (score >= lo && score <= hi) values[scaleQ.id] = score;
  }
  const inv = {
    deliveryId: 'preview',
    workspaceId: workspace.id,
    contactId: 'preview',
    contactStatus: 'subscribed',
    surveyId: s.id,
    surveyVersion: s.version,
    surveyTitle: s.title,
    surveyStatus: 'active',
    surveyIntro: s.intro,
    intro: s.intro,
    language: s.language,
    locale: s.language,
    thankYouUrl: s.thankYouUrl,
    questions: s.questions,
    senderName,
    workspaceName: workspace.name,
    score: (values[scaleQ?.id ?? ''] as number | undefined) ?? null,
    comment: null,
  };
  const locals = { inv, token: 'preview', values, errors: {}, answered: false, preview: true, clicked: values[scaleQ?.id ?? ''] };
  try {
    return await new Promise<string>((resolve, reject) =>
      req.app.render('respond/answer', locals, (err, html) => (err ? reject(err) : resolve(html))),
    );
  } catch {
    // The respondent's page may need something a draft cannot give yet; the builder must still open.
    return '<p style="font-family:sans-serif">The preview cannot be shown for this draft. Save it and try again.</p>';
  }
}
