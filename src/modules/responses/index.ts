export { responsesService, type ResponsesService } from './responses.service';
export { responsesRoutes, type RespondLimits } from './responses.routes';
export { endLabels, csatLabel, previewLocals, type SurveyDraft } from './presenter';
export { responsesErasure } from './erasure';
