export { wavesService, type WavesService } from './waves.service';
export { wavesRoutes } from './waves.routes';
export { schedulesService, type SchedulesService } from './schedules.service';
export { schedulesRoutes } from './schedules.routes';
export { createPulseEngine, type PulseEngine } from './engine';
