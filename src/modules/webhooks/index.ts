export { webhooksService, type WebhooksService } from './webhooks.service';
export { webhooksRoutes } from './webhooks.routes';
export { webhooksErasure } from './erasure';
export { dispatchWebhook, type WebhookMessage, MAX_ATTEMPTS, RETRY_DELAYS } from './dispatch';
export { refusal, checkedAddresses, RefusedAddress, type AddressPolicy, type Resolve } from './addressGuard';
export { EVENT_NAMES, EVENT_TYPES, TEST_EVENT, type EventType } from './events';
export { webhooksRetention, type WebhooksRetention } from './retention';
