export { apiKeysService, type ApiKeysService } from './keys.service';
export { apiKeysRoutes } from './keys.routes';
export { apiRoutes, type ApiDeps } from './api.routes';
export { delightedRoutes } from './delighted.routes';
export { delightedSurvey } from './delighted.settings';
