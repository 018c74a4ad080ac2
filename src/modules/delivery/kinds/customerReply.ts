import { teammateNotice, type TeammateNoticeRow } from './teammateNotice';

/**
 * Tells a teammate that the customer wrote back (table `customer_reply_notices`, queued by inbound when a
 * message is matched to a conversation). Read when it is sent; the message's text is as received, history
 * stripped.
 */
export type CustomerReplyRow = TeammateNoticeRow & {
  kind: 'customerReply';
  /** The contact's name, else the sender's, else their address. */
  contactName: string;
  surveyTitle: string;
  body: string;
  attachments: { name: string }[];
};

export const customerReply = teammateNotice<CustomerReplyRow>({
  kind: 'customerReply',
  table: 'customer_reply_notices',
  messageIdPrefix: 'customer-reply',
  columns: `im.response_id AS "responseId",
       coalesce(nullif(ct.name, ''), nullif(im.from_name, ''), ct.email, im.from_address) AS "contactName",
       s.title AS "surveyTitle", im.body, im.attachments`,
  joins: `JOIN inbound_messages im ON im.id = c.inbound_message_id
     JOIN responses r ON r.id = im.response_id
     LEFT JOIN contacts ct ON ct.id = r.contact_id
     JOIN surveys s ON s.id = r.survey_id`,
  template: 'customer-reply',
  because: 'You get this because the conversation is yours (or unassigned and you are an owner or admin).',
  // Who wrote back, their words, and the link.
  content: (d, { conversationUrl }) => {
    const body = d.body.trim() || '(no text)';
    const subject = `${d.contactName} wrote back about '${d.surveyTitle}'`;
    return {
      subject,
      lines: [
        `${subject}:`,
        '',
        body,
        ...(d.attachments.length ? ['', `Attached: ${d.attachments.map((a) => a.name).join(', ')}`] : []),
        '',
        `Open the conversation (it is open again): ${conversationUrl}`,
      ],
      locals: { body },
    };
  },
});
