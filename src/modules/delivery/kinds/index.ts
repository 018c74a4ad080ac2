import type { DeliveringKind, OutboxKind, RowOf } from './kind';
import { alert } from './alert';
import { customerReply } from './customerReply';
import { digest } from './digest';
import { escalation } from './escalation';
import { invitation } from './invitation';
import { reminder } from './reminder';
import { reply } from './reply';
import { webhook } from './webhook';
import { webhookNotice } from './webhookNotice';
import { passwordReset } from './passwordReset';
import { teamInvitation } from './teamInvitation';
import { themeUpdate } from './themeUpdate';

/**
 * Every kind of message the outbox sends, in claim order: a reply, an alert, a customer's answer coming back, a
 * password reset or a team invitation has one person waiting on it, so it never queues behind a large wave; a
 * webhook is someone's system waiting on an event; the weekly digest waits for nobody, so it goes last. A new
 * kind is a new file in this folder and one entry here.
 */
export const OUTBOX_KINDS = [
  reply,
  alert,
  escalation,
  customerReply,
  passwordReset,
  teamInvitation,
  webhook,
  webhookNotice,
  invitation,
  reminder,
  themeUpdate,
  digest,
] as const;

/** A claimed row of any kind, told apart by `kind`. */
export type ClaimedMessage = RowOf<(typeof OUTBOX_KINDS)[number]>;
export type MessageKind = ClaimedMessage['kind'];
/** Any kind of the registry, as the worker and the outbox repository handle it. */
export type AnyOutboxKind = OutboxKind<ClaimedMessage> | DeliveringKind<ClaimedMessage>;

export type {
  ClaimedRow,
  ComposeContext,
  DeliverContext,
  Delivered,
  DeliveringKind,
  HttpSettings,
  OutboxKind,
  SettleWith,
} from './kind';
export { claimStatement, delivers, NOT_SUBSCRIBED } from './kind';
