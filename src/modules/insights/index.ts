export { insightsRoutes } from './insights.routes';
export { insightsService, type DigestSurvey, type InsightsService } from './insights.service';
export { exporter } from './export';
export { rollupCompactor, compactRollups, foldRollupsNow } from './rollups';
export { insightsReaders } from './readers';
export { getResponsesFeed as responsesFeed, type FeedQuery, type FeedRow } from './queries/getResponsesFeed';
export type { Section } from './metrics';
export type { Estimate } from './stats';
export { textSearchFor } from './language';
