export { wavesService, type WavesService } from './waves.service';
export { wavesRoutes } from './waves.routes';
