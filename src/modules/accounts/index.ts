export { accountsService, canManage, type AccountsService } from './accounts.service';
export { accountsRoutes } from './accounts.routes';
export { teamRoutes } from './team.routes';
export { logoRoute, logoPath, LOGO_MAX_BYTES } from './brand';
export { loadUser, requireUser, auth } from './auth.middleware';
export type { User, Workspace } from './accounts.repository';
export { teammates, type Teammate, type Teammates } from './teammates';
export { recordAction, confirmedAction, type Confirmation } from './actions';
