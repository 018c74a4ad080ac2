/** The events an endpoint can listen to, with what each means, in the order the settings page lists them. */
export const EVENT_TYPES = {
  'response.created': 'An answer was first saved (it may still be in progress).',
  'response.confirmed': 'The respondent sent their answer (once per answer).',
  'response.updated': 'A sent answer changed afterwards (a new score or comment, or an erasure).',
  'conversation.replied': 'A teammate replied to the respondent.',
  'conversation.closed': 'A teammate closed the conversation.',
  'conversation.overdue': 'An unhappy customer has waited past the response-time target (once per conversation).',
  'conversation.customer_replied': 'The customer wrote back (not an auto-reply); the conversation is open again.',
  'contact.unsubscribed': 'A contact unsubscribed.',
  'contact.bounced': 'Mail to a contact bounced for good.',
} as const;
export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_NAMES = Object.keys(EVENT_TYPES) as EventType[];

/** Sent by "Send test event" to one endpoint only; nobody subscribes to it. */
export const TEST_EVENT = 'webhook.test';
