/**
 * An event as a Slack message (Block Kit), for an endpoint marked "Slack incoming webhook". `text` is the
 * fallback Slack shows in notifications; `blocks` is the message. Everything a person typed is escaped the way
 * Slack asks (&, <, >), so a comment cannot ping @channel or forge a link.
 */
type Person = { name?: string | null; email?: string | null } | null | undefined;
type Data = {
  id?: string;
  responseId?: string;
  score?: number | null;
  band?: string | null;
  comment?: string | null;
  survey?: { title?: string };
  contact?: Person;
  owner?: Person;
  reply?: { body?: string; author?: Person };
  message?: { body?: string };
  email?: string;
  name?: string;
  awaitingSince?: string | null;
  targetHours?: number;
};

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const who = (p: Person) => p?.name?.trim() || p?.email || 'Someone';
const quote = (s: string) =>
  escape(s)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
const clip = (s: string, n = 2500) => (s.length > n ? `${s.slice(0, n)}…` : s);

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, url: string) => ({
  type: 'actions',
  elements: [{ type: 'button', text: { type: 'plain_text', text }, url }],
});

export function slackMessage(type: string, data: Data, publicUrl: string): { text: string; blocks: object[] } {
  const conversation = data.responseId ?? data.id;
  const link = conversation ? button('Open the conversation', `${publicUrl}/inbox/${conversation}`) : null;
  const survey = data.survey?.title ?? 'a survey';
  switch (type) {
    case 'response.created':
    case 'response.confirmed':
    case 'response.updated': {
      const verb = type === 'response.updated' ? 'changed their answer to' : 'answered';
      const headline = `${who(data.contact)} ${verb} ${data.score ?? '–'} to '${survey}'`;
      const comment = data.comment?.trim();
      return {
        text: comment ? `${headline}: '${clip(comment, 300)}'` : headline,
        blocks: [
          section(`*${escape(who(data.contact))}* ${verb} *${data.score ?? '–'}* to _${escape(survey)}_`),
          ...(comment ? [section(quote(clip(comment)))] : []),
          ...(link ? [link] : []),
        ],
      };
    }
    case 'conversation.replied': {
      const headline = `${who(data.reply?.author)} replied to ${who(data.contact)}`;
      return {
        text: headline,
        blocks: [
          section(`*${escape(who(data.reply?.author))}* replied to *${escape(who(data.contact))}*`),
          ...(data.reply?.body ? [section(quote(clip(data.reply.body)))] : []),
          ...(link ? [link] : []),
        ],
      };
    }
    case 'conversation.customer_replied': {
      const headline = `${who(data.contact)} wrote back about '${survey}'`;
      return {
        text: headline,
        blocks: [
          section(`*${escape(who(data.contact))}* wrote back about _${escape(survey)}_`),
          ...(data.message?.body ? [section(quote(clip(data.message.body)))] : []),
          ...(link ? [link] : []),
        ],
      };
    }
    case 'conversation.closed': {
      const headline = `The conversation with ${who(data.contact)} about '${survey}' was closed`;
      return { text: headline, blocks: [section(escape(headline)), ...(link ? [link] : [])] };
    }
    case 'conversation.overdue': {
      // Said when Slack receives it (a retry later says the longer wait).
      const since = data.awaitingSince ? Date.parse(data.awaitingSince) : NaN;
      const waited = Number.isNaN(since) ? 'past the target' : `${Math.floor((Date.now() - since) / 3_600_000)} h`;
      const owner = data.owner ? who(data.owner) : 'nobody yet';
      const headline = `Overdue: ${who(data.contact)} has waited ${waited} for an answer about '${survey}' (target ${data.targetHours ?? '–'} h; owner: ${owner})`;
      return { text: headline, blocks: [section(escape(headline)), ...(link ? [link] : [])] };
    }
    case 'contact.unsubscribed':
    case 'contact.bounced': {
      const headline = `${who(data)} ${type === 'contact.bounced' ? 'bounced: mail to them cannot be delivered' : 'unsubscribed'}`;
      return { text: headline, blocks: [section(escape(headline))] };
    }
    default: {
      const headline = 'Rapport is connected: this channel will hear about unhappy answers and the events you chose.';
      return { text: headline, blocks: [section(headline)] };
    }
  }
}
