import request from 'supertest';
import { csrfFrom, submitForm, type TestApp } from './testApp';

type Agent = ReturnType<typeof request.agent>;

/** The last email the app sent to an address (the test SMTP server, or the built-in mailbox), as received. */
export async function lastMailTo(t: TestApp, address: string) {
  const wanted = address.toLowerCase();
  await t.worker.drainOnce();
  const fromSmtp = [...t.smtp.messages]
    .reverse()
    .find((m) => (m.to && 'text' in m.to ? m.to.text : '').toLowerCase().includes(wanted));
  if (fromSmtp) return { subject: fromSmtp.subject ?? '', text: fromSmtp.text ?? '' };
  const stored = await t.db.one<{ subject: string; text: string }>(
    `SELECT subject, text FROM mailbox_messages WHERE lower(to_text) LIKE :like ORDER BY id DESC LIMIT 1`,
    { like: `%${wanted}%` },
  );
  if (!stored) throw new Error(`No email to ${address}`);
  return stored;
}

/** The first link in a message's text that starts with the app's path. */
export function linkIn(text: string, path: string) {
  const m = new RegExp(`https?://[^\\s]+${path}[^\\s]*`).exec(text);
  if (!m) throw new Error(`No ${path} link in: ${text}`);
  return new URL(m[0]).pathname;
}

/**
 * A teammate joins as a person would: invited from the Team page, the email read from the real SMTP server (or
 * the mailbox), its link followed, name and password set. Returns their signed-in agent.
 */
export async function inviteTeammate(
  t: TestApp,
  inviter: Agent,
  p: { name: string; email: string; role: string; password: string },
) {
  await submitForm(inviter, '/team', '/team/invitations', { email: p.email, role: p.role });
  // The worker has sent it when drainOnce returns: the server answered 250 only after keeping the message.
  const mail = await lastMailTo(t, p.email);
  const link = linkIn(mail.text, '/invitations/');
  const agent = request.agent(t.app);
  const page = await agent.get(link).expect(200);
  await agent
    .post(link)
    .type('form')
    .send({ name: p.name, password: p.password, _csrf: csrfFrom(page.text) })
    .expect(303);
  return agent;
}
