export { createDeliveryWorker, type DeliveryWorker, type SendOutcome } from './worker';
export { outboxDepth } from './outboxDepth';
