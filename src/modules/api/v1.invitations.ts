import type { ContactsService } from '../contacts';
import type { WavesService } from '../schedules';
import { endpoint } from './endpoint';
import { iso, presentContact } from './present';
import { cancelledOut, invitationIn, invitationOut, uuidParams } from './schemas';

/** Event-triggered invitations: schedules' waves of one contact, the contact upserted by contacts. */
export function invitationEndpoints(d: { contacts: ContactsService; waves: WavesService }) {
  const tag = 'Invitations';
  return [
    endpoint({
      method: 'post',
      path: '/api/v1/surveys/:id/invitations',
      tag,
      scope: 'write',
      summary: 'Ask a contact to answer a survey, because of an event',
      description:
        'Upserts the contact by email, then queues one invitation (now, or after delaySeconds) through the same throttle, suppression, outbox and reminders as any wave. The answer records the event and its properties. Send an Idempotency-Key to retry safely.',
      params: uuidParams,
      body: invitationIn,
      idempotent: true,
      responses: {
        201: { description: 'An invitation was queued.', schema: invitationOut },
        200: {
          description: 'Nobody was invited: the contact is throttled or suppressed (see outcome).',
          schema: invitationOut,
        },
        404: { description: 'No such survey in this workspace.' },
        409: { description: 'The survey is archived or closed.' },
      },
      handle: async ({ key, params, body }) => {
        // Refused before the contact is touched: a request for a closed or foreign survey writes nothing.
        await d.waves.assertInvitable(key.workspaceId, params.id);
        const { contact } = await d.contacts.upsert(key.workspaceId, body.contact);
        const properties = body.properties ?? {};
        const asked = await d.waves.invite(key.workspaceId, params.id, {
          contactId: contact.id,
          delaySeconds: body.delaySeconds ?? 0,
          event: body.event ?? null,
          properties,
          apiKeyId: key.id,
          reminders: body.reminders ?? { count: 0, days: 3 },
        });
        return {
          status: asked.invitation ? 201 : 200,
          body: {
            outcome: asked.outcome,
            invitation: asked.invitation
              ? {
                  id: asked.invitation.id,
                  status: asked.invitation.status,
                  sendAt: iso(asked.invitation.sendAt)!,
                  sentAt: iso(asked.invitation.sentAt),
                }
              : null,
            survey: { id: params.id, version: asked.surveyVersion },
            contact: presentContact(await d.contacts.get(key.workspaceId, contact.id)),
            event: body.event ?? null,
            properties,
          },
        };
      },
    }),
    endpoint({
      method: 'delete',
      path: '/api/v1/contacts/:id/invitations/pending',
      tag,
      scope: 'write',
      summary: "Cancel a contact's pending invitations",
      description:
        'Invitations and reminders not yet sent are cancelled (one being sent at this moment is past recall).',
      params: uuidParams,
      responses: {
        200: { description: 'How many were cancelled.', schema: cancelledOut },
        404: { description: 'No such contact in this workspace.' },
      },
      handle: async ({ key, params }) => {
        await d.contacts.get(key.workspaceId, params.id);
        return { status: 200, body: await d.waves.cancelPending(key.workspaceId, params.id) };
      },
    }),
  ];
}
