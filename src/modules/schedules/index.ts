import type { Db } from '../../platform/db';
import { schedulesRepository } from './schedules.repository';

export { wavesService, type WavesService } from './waves.service';
export { wavesRoutes } from './waves.routes';
export { schedulesService, type SchedulesService } from './schedules.service';
export { schedulesRoutes } from './schedules.routes';
export { createPulseEngine, type PulseEngine } from './engine';
export { schedulesErasure } from './erasure';
export { scheduleFormSchema } from './schedules.schemas';

/** For /metrics: seconds since the oldest due slot that no ticker has opened yet. */
export const tickerLagSeconds = (db: Db) => schedulesRepository(db).lagSeconds();
