import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from '../../../platform/paths';
import type { ClaimedRow, OutboxKind } from './kind';

/**
 * What every notice to a teammate about one conversation carries (alerts, escalations, "the customer wrote
 * back"): who it goes to, the conversation, and the workspace that sends it.
 */
export type TeammateNoticeRow = ClaimedRow & {
  responseId: string;
  toName: string;
  toEmail: string;
  workspaceName: string;
};

/** A reason to stop a notice at claim time: an SQL condition and the words `last_error` keeps. */
export type NoticeStop = { when: string; why: string };

/** The links every teammate notice has. */
export type NoticeLinks = { publicUrl: string; conversationUrl: string; teamUrl: string };

/** What a teammate notice says; the footer (why you get it, how to turn alerts off) is added by the helper. */
export type NoticeContent = {
  subject: string;
  /** The text body above the footer. */
  lines: string[];
  /** What the kind's HTML template needs besides `d` (the row), `subject`, the links and `because`. */
  locals?: Record<string, unknown>;
};

export type TeammateNoticeSpec<Row extends TeammateNoticeRow> = {
  kind: Row['kind'];
  /** The outbox table: its rows name the teammate (`user_id`) and the workspace. */
  table: string;
  /** The Message-ID is `<prefix-<id>@host>`. */
  messageIdPrefix: string;
  /**
   * Reasons to stop besides the teammate having left or turned alerts off, in the order `why` is chosen; they
   * may use `n` (the queued row), `u` (the teammate) and whatever `stopJoins` adds.
   */
  stops?: NoticeStop[];
  stopJoins?: string;
  /**
   * The kind's own columns selected from `claimed c`, `"responseId"` among them, and the joins they need;
   * `u` (the teammate) and `ws` (the workspace) are already joined.
   */
  columns: string;
  joins: string;
  /** The HTML template, under views/emails/. */
  template: string;
  /** The footer's "why you get this", before "Turn alerts off". */
  because: string;
  content(row: Row, links: NoticeLinks): NoticeContent;
};

/**
 * Every teammate notice is queued only for a teammate who wanted alerts, so each stops one who left or opted out
 * since: these two come first, in this order, then the kind's own.
 */
const TEAMMATE_STOPS: NoticeStop[] = [
  { when: 'u.id IS NULL', why: 'The teammate is no longer in the workspace; not sent.' },
  { when: 'NOT u.alerts_enabled', why: 'The teammate turned alerts off; not sent.' },
];

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * One outbox kind for a notice to a teammate: the shared row shape, stop rule, claim read, Message-ID, sender
 * and message layout, so a kind states only what it is about, when else it stops, and its words.
 */
export function teammateNotice<Row extends TeammateNoticeRow>(spec: TeammateNoticeSpec<Row>): OutboxKind<Row> {
  const stops = [...TEAMMATE_STOPS, ...(spec.stops ?? [])];
  const messageId = (row: Row, domain: string) => `<${spec.messageIdPrefix}-${row.id}@${domain}>`;
  return {
    kind: spec.kind,
    table: spec.table,
    checked: `SELECT p.id, ${stops.map((s) => s.when).join(' OR ')} AS stop,
        CASE ${stops.map((s) => `WHEN ${s.when} THEN ${sqlText(s.why)}`).join('\n             ')} END AS why
      FROM picked p JOIN ${spec.table} n ON n.id = p.id
      LEFT JOIN memberships m ON m.user_id = n.user_id AND m.workspace_id = n.workspace_id
      LEFT JOIN users u ON u.id = m.user_id
      ${spec.stopJoins ?? ''}`,
    read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", u.name AS "toName", u.email AS "toEmail",
       ws.name AS "workspaceName", ${spec.columns}
     FROM claimed c
     JOIN users u ON u.id = c.user_id
     JOIN workspaces ws ON ws.id = c.workspace_id
     ${spec.joins}
     WHERE c.status = 'sending'`,
    messageId,
    // Internal mail from Rapport: no List-Unsubscribe; each teammate turns alerts off on the Team page, and the
    // footer says where.
    async compose(row, ctx) {
      const teamUrl = `${ctx.publicUrl}/team`;
      const links = { publicUrl: ctx.publicUrl, conversationUrl: `${ctx.publicUrl}/inbox/${row.responseId}`, teamUrl };
      const { subject, lines, locals } = spec.content(row, links);
      const text = [...lines, '', `— Rapport, ${row.workspaceName}. ${spec.because} Turn alerts off: ${teamUrl}`].join(
        '\n',
      );
      const html = await ejs.renderFile(
        path.join(VIEWS_DIR, 'emails', `${spec.template}.ejs`),
        { ...locals, d: row, subject, ...links, because: spec.because },
        { async: false },
      );
      return {
        to: { name: row.toName, address: row.toEmail },
        subject,
        html,
        text,
        headers: {},
        from: { name: 'Rapport', address: ctx.mailFrom },
        messageId: messageId(row, ctx.domain),
      };
    },
    // The address is a teammate's: the contact the conversation is about is never touched.
    bouncedContactId: () => null,
  };
}

/** What a notice about one answer shows of it (alerts and escalations); the contact may be gone. */
export type AboutAnswer = {
  score: number | null;
  comment: string | null;
  /** The contact's name, else their email, else "Someone". */
  contactName: string;
  surveyTitle: string;
};

/** The columns of `AboutAnswer` (and `"responseId"`) from the claimed row's `response_id`, and their joins. */
export const ABOUT_ANSWER = {
  columns: `r.id AS "responseId", r.score, r.comment,
       coalesce(nullif(ct.name, ''), ct.email, 'Someone') AS "contactName", s.title AS "surveyTitle"`,
  joins: `JOIN responses r ON r.id = c.response_id
     LEFT JOIN contacts ct ON ct.id = r.contact_id
     JOIN surveys s ON s.id = r.survey_id`,
};
