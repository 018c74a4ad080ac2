export { responsesService, type ResponsesService } from './responses.service';
export { responsesRoutes, type RespondLimits } from './responses.routes';
export { endLabels, csatLabel, type SurveyDraft } from './presenter';
export { renderPreview } from './preview';
export { responsesErasure } from './erasure';
export { responsesRetention, type ResponsesRetention } from './retention';
export { responsesHistory, type ResponsesHistory, type HistoryTarget, type PastAnswer } from './history';
