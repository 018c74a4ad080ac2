export { createDeliveryWorker, type DeliveryWorker, type SendOutcome } from './worker';
export { outboxDepth } from './outboxDepth';
export {
  OUTBOX_KINDS,
  claimStatement,
  NOT_SUBSCRIBED,
  type AnyOutboxKind,
  type ClaimedMessage,
  type ClaimedRow,
  type ComposeContext,
  type DeliverContext,
  type Delivered,
  type MessageKind,
  type OutboxKind,
  type SettleWith,
} from './kinds';
export { bounceReported, type ReportedBounce } from './bounces';
