export { createDigestJob, type DigestJob } from './digest.job';
export { DIGEST_HOUR, digestWeek, mondayOf } from './week';
export { digestRepository } from './digest.repository';
export { digestRoutes } from './digest.routes';
