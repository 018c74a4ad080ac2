export { responsesService, type ResponsesService } from './responses.service';
export { responsesRoutes } from './responses.routes';
