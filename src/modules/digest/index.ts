export { createDigestJob, mondayOf, DIGEST_HOUR_UTC, type DigestJob } from './digest.job';
export { digestRepository } from './digest.repository';
export { digestRoutes } from './digest.routes';
