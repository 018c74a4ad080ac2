export { createDeliveryWorker, type DeliveryWorker } from './worker';
