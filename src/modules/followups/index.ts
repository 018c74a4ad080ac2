export { followupsService, type FollowupsService } from './followups.service';
export { followupsRoutes, inboxCount } from './followups.routes';
export { followupsErasure } from './erasure';
export { followupsRetention } from './retention';
export { followupsHandOver } from './handover';
export { createEscalationJob, type EscalationJob } from './escalation.job';
export { followupsCustomerReplies, type FollowupsCustomerReplies } from './customerReplies';
export { inboxSettings, inboxSettingRoutes } from './inboxSetting';
