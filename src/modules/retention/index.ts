export { retentionService, type RetentionService } from './retention.service';
export { retentionRoutes } from './retention.routes';
export { retentionSweeper } from './sweeper';
