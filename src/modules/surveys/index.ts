export { surveysService, type SurveysService } from './surveys.service';
export { surveysRoutes } from './surveys.routes';
export type { PreviewDraft, RenderPreview } from './preview';
export type { Survey } from './surveys.repository';
export {
  type Question,
  type QuestionTranslation,
  type Band,
  primaryScale,
  scaleRange,
  isScale,
  bandOf,
  NPS_PASSIVE_FROM,
  NPS_PROMOTER_FROM,
} from './questions';
export { questionSchema, surveyQuestionsSchema, surveyDraftSchema, LANGUAGES } from './surveys.schemas';
export { surveysHandOver } from './handover';
export {
  localize,
  servedLanguage,
  translationStatus,
  type Language,
  type Localized,
  type SurveyCopies,
  type Translatable,
} from './translations';
