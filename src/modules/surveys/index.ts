export { surveysService, type SurveysService } from './surveys.service';
export { surveysRoutes } from './surveys.routes';
export type { Survey } from './surveys.repository';
export { type Question, primaryScale, scaleRange, isScale } from './questions';
export { questionSchema, surveyQuestionsSchema, LANGUAGES } from './surveys.schemas';
