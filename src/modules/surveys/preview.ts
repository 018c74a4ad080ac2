import type { Request } from 'express';
import type { Workspace } from '../accounts';
import type { Question } from './questions';
import type { SurveyCopies } from './translations';

/** A survey as the builder previews it: saved, or the draft on the form. */
export type PreviewDraft = {
  id: string;
  title: string;
  intro: string;
  subject: string;
  translations: SurveyCopies;
  language: string;
  /** Draw it in this language (a translation, even unfinished); the default language when absent. */
  previewLanguage?: string;
  version: number;
  questions: Question[];
  thankYouUrl: string | null;
};

/**
 * Draws the respondent's own page for a draft. The responses module provides it (`renderPreview`) and app.ts
 * hands it to surveysRoutes, so surveys never imports responses.
 */
export type RenderPreview = (
  req: Request,
  draft: PreviewDraft,
  workspace: Workspace,
  senderName: string,
  score?: number,
) => Promise<string>;
