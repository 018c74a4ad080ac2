import { z } from 'zod';
import { allValues, textField } from '../../platform/forms';
import { EVENT_NAMES, type EventType } from './events';

/**
 * A webhook URL as typed: http(s) only, no credentials (they would be sent to whoever the host is and shown
 * in every log), a host. Where the host points is checked afterwards (the SSRF guard resolves it).
 */
export const webhookUrl = textField.pipe(
  z
    .string()
    .trim()
    .min(1, 'Enter the URL that should receive the events.')
    .max(2000, 'Use a URL of at most 2,000 characters.')
    .transform((s, ctx) => {
      let url: URL;
      try {
        url = new URL(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'Enter a full URL, like https://example.com/hooks/rapport.' });
        return z.NEVER;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        ctx.addIssue({ code: 'custom', message: 'Only http:// and https:// URLs can receive webhooks.' });
      else if (url.username || url.password)
        ctx.addIssue({
          code: 'custom',
          message: 'Leave user names and passwords out of the URL; use the signing secret to trust messages.',
        });
      else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'The URL needs a host name.' });
      return url.toString();
    }),
);

const events = z
  .unknown()
  .transform(allValues)
  .pipe(
    z
      .array(z.enum(EVENT_NAMES as [EventType, ...EventType[]], { error: 'Choose events from the list.' }))
      .min(1, 'Choose at least one event.'),
  )
  .transform((list) => EVENT_NAMES.filter((e) => list.includes(e)));

const description = textField.pipe(z.string().trim().max(200, 'Use at most 200 characters for the description.'));

export const endpointSchema = z.object({ url: webhookUrl, description, events });
export type EndpointInput = z.infer<typeof endpointSchema>;

export const newEndpointSchema = endpointSchema.extend({
  format: textField.pipe(z.enum(['standard', 'slack'], { error: 'Choose signed JSON or Slack.' })),
});
export type NewEndpointInput = z.infer<typeof newEndpointSchema>;
