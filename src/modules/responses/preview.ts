import { primaryScale, scaleRange, type RenderPreview } from '../surveys';
import { previewLocals } from './presenter';

/**
 * Renders the respondent's own page (views/respond/answer.ejs) for a draft, with the locals a real link gets,
 * so the preview is exactly what a respondent sees. The survey builder shows it in a sandboxed frame where its
 * form cannot submit; app.ts hands it to surveysRoutes, so surveys never imports this module.
 */
export const renderPreview: RenderPreview = async (req, s, workspace, senderName, score) => {
  const scaleQ = primaryScale(s.questions);
  const values: Record<string, unknown> = {};
  if (scaleQ && score !== undefined) {
    const [lo, hi] = scaleRange(scaleQ);
    if (score >= lo && score <= hi) values[scaleQ.id] = String(score);
  }
  const locals = previewLocals(
    {
      surveyId: s.id,
      workspaceId: workspace.id,
      title: s.title,
      intro: s.intro,
      subject: s.subject,
      translations: s.translations,
      language: s.language,
      previewLanguage: s.previewLanguage,
      version: s.version,
      questions: s.questions,
      senderName,
      workspaceName: workspace.name,
      thankYouUrl: s.thankYouUrl,
      brandColor: workspace.brandColor,
      logoSha256: workspace.logoSha256,
    },
    values,
  );
  try {
    return await new Promise<string>((resolve, reject) =>
      req.app.render('respond/answer', locals, (err, html) => (err ? reject(err) : resolve(html))),
    );
  } catch {
    // A draft may be incomplete in ways the respondent's page cannot draw; the builder must still open.
    return '<p style="font-family:sans-serif">The preview cannot be shown for this draft. Save it and try again.</p>';
  }
};
