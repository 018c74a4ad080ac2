import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
export const newSecret = () => `whsec_${crypto.randomBytes(32).toString('base64')}`;

/**
 * The three Standard Webhooks headers, signed by the spec's own library. `secrets` is the current secret, then
 * the previous one while a rotation is in its grace period: `webhook-signature` then carries one `v1,…` per
 * secret, so a receiver that has either verifies the message.
 */
export function signedHeaders(msgId: string, at: Date, body: string, secrets: string[]): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(msgId, at, body)).join(' '),
  };
}
