import crypto from 'node:crypto';
import type { Db } from '../../platform/db';
import { AppError, conflict } from '../../platform/errors';
import type { Sealer } from '../../platform/tokens';
import { accountsService, type User } from '../accounts';
import { contactFormSchema, contactsService, contactWrites, type ContactFilter } from '../contacts';
import { compactRollups } from '../insights';
import { scheduleFormSchema, schedulesService } from '../schedules';
import { bandOf, primaryScale, surveyDraftSchema, surveysService, type Question } from '../surveys';
import { LANGS, NOTES, REPLIES, type Lang, type Mood, type Sentence } from './content';
import { demoHistory, type AnswerRow, type ReplyRow } from './history';
import { asciiSlug, COMPANY, FIRST_NAMES, LAST_NAMES, MARKETS, OWNER, TEAM } from './people';
import { seeded, type Random } from './random';
import { demoSurveys, type DemoSurvey } from './surveys';

const DAY = 86_400_000;
/** The demo adds people; it never erases one, so it needs none of erasure's parts. */
const NO_ERASURE = { parts: [], forgetMessages: async () => undefined };
/** Customers per market: enough for every chart to have a shape, few enough to make in seconds. */
const CONTACTS_PER_MARKET: Record<Lang, number> = { en: 110, fr: 85, de: 85, es: 80 };

export type DemoResult = {
  workspaceId: string;
  email: string;
  password: string;
  surveys: number;
  contacts: number;
  answers: number;
  replies: number;
};

type Person = { id: string; firstName: string; lang: Lang; owner: User };

/**
 * `npm run demo`: a workspace with a year of a believable company's pulse surveys, so a newcomer sees real
 * dashboards at once. What the team would set up is made through the modules' own use cases (workspace, team,
 * contacts, segments, surveys and their versions, schedules); the year of history is written with its own
 * dates by `history.ts` (see why there). Made once: a second run is refused before anything is written, and a
 * run that fails half-way removes what it made.
 */
export function demoService(db: Db, sealer: Sealer) {
  const accounts = accountsService(db);
  const surveys = surveysService(db);
  const contacts = contactsService(db, { importMaxBytes: 1, erasure: NO_ERASURE });
  const schedules = schedulesService({ db, surveys, segments: contacts.segments.names });
  const history = demoHistory(db, sealer);

  return {
    async create(opts: { password?: string; seed?: number } = {}): Promise<DemoResult> {
      const password = opts.password ?? crypto.randomBytes(12).toString('base64url');
      const owner = await accounts
        .addWorkspace({ workspaceName: COMPANY.name, ...COMPANY, name: OWNER.name, email: OWNER.email, password })
        .catch((err: unknown) => {
          if (err instanceof AppError && err.status === 409)
            throw conflict(
              `The demo workspace already exists here: sign in as ${OWNER.email} (its password was printed when it was made). Nothing was changed.`,
            );
          throw err;
        });
      try {
        const made = await fill(owner, seeded(opts.seed ?? 20261203));
        return { workspaceId: owner.workspaceId, email: OWNER.email, password, ...made };
      } catch (err) {
        // Nothing half-made stays behind: the workspace takes everything in it along (ON DELETE CASCADE).
        await accounts.removeWorkspace(owner.workspaceId).catch(() => undefined);
        throw err;
      }
    },
  };

  async function fill(owner: User, rnd: Random) {
    const ws = owner.workspaceId;
    const now = new Date((await db.one<{ now: Date }>('SELECT now() AS now'))!.now);
    const team = await makeTeam(owner);
    // A year of unhappy answers must not mail a year of alerts: the team's alerts are off while history is written.
    for (const u of [owner, ...team.values()]) await accounts.setAlerts(u, { alertsEnabled: false });

    const people = await makeContacts(ws, owner, team, rnd);
    await makeSegments(ws);

    const specs = demoSurveys(now);
    const bounced = new Set<string>();
    const answered: (AnswerRow & { person: Person; mood: Mood })[] = [];
    for (const spec of specs) {
      const sender = spec.sentBy === 'owner' ? owner : team.get(spec.sentBy)!;
      const surveyId = await surveys.createFromTemplate(ws, spec.template, spec.title, 'notre nouvelle application');
      const schedule = spec.schedule && (await makeSchedule(ws, surveyId, owner, spec));
      for (const [i, v] of spec.versions.entries()) {
        const { version } = await surveys.save(
          ws,
          surveyId,
          surveyDraftSchema.parse({
            title: spec.title,
            intro: spec.intro,
            language: spec.language,
            senderUserId: sender.id,
            closesAt: '',
            thankYouUrl: '',
            publicLinkEnabled: false,
            questions: v.questions,
          }),
        );
        const until = spec.versions[i + 1]?.fromMonthsAgo ?? 0;
        const days = spec.waveDays.filter((d) => d <= v.fromMonthsAgo * 30.4 && d > until * 30.4);
        for (const daysAgo of days) {
          const at = new Date(Math.round((now.getTime() - daysAgo * DAY) / 3_600_000) * 3_600_000);
          const audience = people.filter((p) => p.lang === spec.audience && !bounced.has(p.id));
          const asked = rnd.sample(audience, Math.round(audience.length * spec.sample));
          const recipients = asked.map((p) => ({ contactId: p.id, bounced: rnd.chance(0.006) }));
          recipients.filter((r) => r.bounced).forEach((r) => bounced.add(r.contactId));
          const answers = asked.flatMap((person, index) => {
            if (recipients[index]!.bounced || !rnd.chance(spec.responseRate)) return [];
            const a = answerOf(spec, v.questions, person, index, at, now, rnd);
            return a ? [{ ...a, person }] : [];
          });
          await history.wave(
            {
              workspaceId: ws,
              surveyId,
              version,
              scheduleId: schedule ?? null,
              at,
              createdBy: sender.id,
              audience: audience.length,
              recipients,
            },
            answers,
          );
          answered.push(...answers);
        }
      }
    }

    const replies = await closeTheLoop(ws, answered, [owner, ...team.values()], now, rnd);
    // Today's state of a year of customers: a few asked to stop, one the team suppressed by hand.
    const writes = contactWrites(db);
    for (const p of rnd.sample(people, 9)) await writes.unsubscribe(p.id);
    await contacts.suppress(ws, rnd.pick(people).id);

    for (const u of [owner, ...team.values()]) await accounts.setAlerts(u, { alertsEnabled: true });
    await compactRollups(db);
    return { surveys: specs.length, contacts: people.length, answers: answered.length, replies };
  }

  async function makeTeam(owner: User) {
    const team = new Map<string, User>();
    for (const t of TEAM) {
      // Teammates sign in with a password of their own once the owner resets it; nobody needs one for the demo.
      const password = crypto.randomBytes(18).toString('base64url');
      team.set(t.key, await accounts.addTeammate(owner, { name: t.name, email: t.email, role: t.role, password }));
    }
    return team;
  }

  async function makeContacts(ws: string, owner: User, team: Map<string, User>, rnd: Random): Promise<Person[]> {
    const planned: { name: string; firstName: string; email: string; lang: Lang }[] = [];
    const taken = new Set<string>();
    const domains = ['example.com', 'example.org', 'example.net'];
    for (const lang of LANGS) {
      for (let i = 0; i < CONTACTS_PER_MARKET[lang]; i++) {
        const first = rnd.pick(FIRST_NAMES[lang]);
        const last = rnd.pick(LAST_NAMES[lang]);
        let local = `${asciiSlug(first)}.${asciiSlug(last)}`;
        for (let n = 2; taken.has(local); n++) local = `${asciiSlug(first)}.${asciiSlug(last)}${n}`;
        taken.add(local);
        planned.push({ name: `${first} ${last}`, firstName: first, email: `${local}@${rnd.pick(domains)}`, lang });
      }
    }
    await contacts.addPasted(
      ws,
      planned.map(({ name, email }) => ({ name, email })),
    );
    const ids = new Map<string, string>();
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await contacts.page(ws, { after: cursor });
      for (const c of page.contacts) ids.set(c.email, c.id);
      cursor = page.next;
    }
    const ownersOf = (lang: Lang) =>
      lang === 'en' ? [team.get('sam')!, owner] : [team.get(TEAM.find((t) => t.lang === lang)!.key)!];
    const people: Person[] = [];
    const updates: (() => Promise<void>)[] = [];
    for (const p of planned) {
      const id = ids.get(p.email)!;
      const ownerUser = rnd.pick(ownersOf(p.lang));
      const [country, cities] = rnd.pick(MARKETS[p.lang].countries);
      const tags = [
        ...(rnd.chance(0.1) ? ['vip'] : []),
        ...(rnd.chance(0.15) ? ['fleet'] : []),
        ...(rnd.chance(0.12) ? ['early-adopter'] : []),
        ...(rnd.chance(0.4) ? ['newsletter'] : []),
      ];
      const plan = ['basic', 'plus', 'pro'][rnd.weighted([5, 3, 2])]!;
      const since = 2021 + rnd.int(0, 4);
      const form = contactFormSchema.parse({
        name: p.name,
        email: p.email,
        locale: p.lang,
        ownerUserId: ownerUser.id,
        tags: tags.join(', '),
        properties: `plan: ${plan}\nmarket: ${MARKETS[p.lang].market}\ncountry: ${country}\ncity: ${rnd.pick(cities)}\ncustomer_since: ${since}`,
      });
      updates.push(() => contacts.update(ws, id, form));
      people.push({ id, firstName: p.firstName, lang: p.lang, owner: ownerUser });
    }
    // Each contact is its own row and its own transaction: a few at a time share the disk's flushes.
    for (let i = 0; i < updates.length; i += 8) await Promise.all(updates.slice(i, i + 8).map((u) => u()));
    return people;
  }

  async function makeSegments(ws: string) {
    const segments: [string, ContactFilter][] = [
      ['Detractors', { bands: ['detractor'] }],
      ['VIP riders', { tags: ['vip'] }],
      ['Fleet customers', { tags: ['fleet'] }],
      ['Pro plan', { properties: [{ key: 'plan', value: 'pro' }] }],
      ['France', { properties: [{ key: 'market', value: 'France' }] }],
      ['Not asked for 60 days', { surveyed: { op: 'before', days: 60 } }],
    ];
    for (const [name, filter] of segments) await contacts.segments.create(ws, name, filter);
  }

  /** The monthly pulse to one market: the demo's history shows its waves; paused, it sends nothing new. */
  async function makeSchedule(ws: string, surveyId: string, owner: User, spec: DemoSurvey) {
    const id = await schedules.create(
      ws,
      surveyId,
      owner.id,
      scheduleFormSchema.parse({
        name: `Monthly pulse — ${MARKETS[spec.audience].market}`,
        preset: 'custom',
        cron: spec.schedule!.cron,
        timeZone: spec.schedule!.timeZone,
        reminderCount: '0',
        properties: `market = ${MARKETS[spec.audience].market}`,
      }),
    );
    // A new schedule starts paused (activated on its own page): the demo leaves it so, sending nothing new.
    return id;
  }

  async function closeTheLoop(
    ws: string,
    answered: (AnswerRow & { person: Person; mood: Mood })[],
    team: User[],
    now: Date,
    rnd: Random,
  ) {
    const replies: ReplyRow[] = [];
    const notes: { responseId: string; author: User; body: string; at: Date }[] = [];
    const closed: { responseId: string; by: string; at: Date }[] = [];
    const before = (d: Date) => new Date(Math.min(d.getTime(), now.getTime() - 60_000));
    for (const a of answered) {
      if (!a.completed) continue;
      const age = (now.getTime() - a.submittedAt.getTime()) / DAY;
      const author = a.person.owner;
      const reply = (kind: 'sorry' | 'thanks', hours: number) => {
        const at = before(new Date(a.submittedAt.getTime() + hours * 3_600_000));
        const body = rnd.pick(REPLIES[a.person.lang][kind]).replaceAll('{name}', a.person.firstName);
        replies.push({ responseId: a.id, contactId: a.person.id, author, body, at });
        return at;
      };
      if (a.mood === 'unhappy') {
        if (rnd.chance(0.25))
          notes.push({
            responseId: a.id,
            author: rnd.pick(team),
            body: rnd.pick(NOTES),
            at: before(new Date(a.submittedAt.getTime() + 1_800_000)),
          });
        // Older unhappy answers were mostly answered and closed; the last ten days' are the inbox's work.
        if (!rnd.chance(age > 10 ? 0.8 : 0.35)) continue;
        const at = reply('sorry', rnd.int(1, 30));
        if (age > 10 && rnd.chance(0.75))
          closed.push({ responseId: a.id, by: author.id, at: before(new Date(at.getTime() + rnd.int(1, 5) * DAY)) });
      } else if (a.mood === 'happy' && a.comment && rnd.chance(0.12)) {
        closed.push({ responseId: a.id, by: author.id, at: reply('thanks', rnd.int(2, 48)) });
      } else if (age > 10 && rnd.chance(0.5)) {
        // Read, nothing to add: closed without a reply, as teams do with most happy answers.
        closed.push({ responseId: a.id, by: author.id, at: before(new Date(a.submittedAt.getTime() + 2 * DAY)) });
      }
    }
    await history.followups(ws, { replies, notes, closed });
    return replies.length;
  }
}
export type DemoService = ReturnType<typeof demoService>;

/** How people felt, month by month: a battery problem eight to five months ago, a recovery since. */
function moodWeights(daysAgo: number, lang: Lang): [number, number, number] {
  const months = daysAgo / 30.4;
  const [u, n, h] =
    months > 8 ? [0.2, 0.3, 0.5] : months > 5 ? [0.4, 0.28, 0.32] : months > 3 ? [0.26, 0.32, 0.42] : [0.14, 0.3, 0.56];
  return [u + (lang === 'de' ? 0.05 : 0), n, h + (lang === 'es' ? 0.06 : 0)];
}

const SCORES: Record<string, Record<Mood, number[]>> = {
  // Weights of each score of the scale, lowest first.
  nps: {
    unhappy: [1, 1, 2, 3, 4, 6, 7, 0, 0, 0, 0],
    neutral: [0, 0, 0, 0, 0, 0, 0, 5, 6, 0, 0],
    happy: [0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6],
  },
  csat: { unhappy: [3, 4, 2, 0, 0], neutral: [0, 0, 3, 2, 0], happy: [0, 0, 0, 4, 6] },
  ces: { unhappy: [2, 3, 3, 2, 0, 0, 0], neutral: [0, 0, 0, 3, 3, 0, 0], happy: [0, 0, 0, 0, 2, 4, 4] },
  rating: { unhappy: [2, 3, 2, 0, 0], neutral: [0, 0, 3, 2, 0], happy: [0, 0, 0, 4, 6] },
};
const LOWEST: Record<string, number> = { nps: 0, csat: 1, ces: 1, rating: 1 };

/** One person's answer to a wave: a score for their mood, maybe a comment, the survey's other questions. */
function answerOf(
  spec: DemoSurvey,
  questions: Question[],
  person: Person,
  contactIndex: number,
  wave: Date,
  now: Date,
  rnd: Random,
): (AnswerRow & { mood: Mood }) | undefined {
  const daysAgo = (now.getTime() - wave.getTime()) / DAY;
  const mood = (['unhappy', 'neutral', 'happy'] as const)[rnd.weighted(moodWeights(daysAgo, person.lang))]!;
  // Most answer within hours of the email; some days later; nobody after now.
  const delayMs = (rnd.chance(0.7) ? rnd.int(5, 360) : rnd.int(360, 5760)) * 60_000;
  const submittedAt = new Date(wave.getTime() + delayMs);
  if (submittedAt.getTime() > now.getTime() - 5 * 60_000) return undefined;

  const scale = primaryScale(questions);
  const score = scale ? LOWEST[scale.type]! + rnd.weighted(SCORES[scale.type]![mood]) : null;
  const band = scale && score !== null ? bandOf(scale, score) : undefined;
  // A few only tapped a score in the email and never pressed Send: a partial answer, no comment.
  const completed = !scale || !rnd.chance(0.04);
  const answers: Record<string, unknown> = scale ? { [scale.id]: score } : {};
  const asked = questions.filter((q) => !q.showIf?.bands?.length || (band && q.showIf.bands.includes(band)));
  const open = asked.find((q) => q.type === 'long_text');
  const wantsComment = open?.required || rnd.chance(mood === 'unhappy' ? 0.8 : mood === 'neutral' ? 0.5 : 0.45);
  const comment = open && completed && wantsComment ? commentOf(spec.comments[mood], daysAgo, rnd) : null;
  if (open && comment) answers[open.id] = comment;
  if (completed && spec.extras) {
    const ids = new Set(asked.map((q) => q.id));
    for (const [id, value] of Object.entries(spec.extras(rnd, mood)))
      if (ids.has(id) && rnd.chance(0.85)) answers[id] = value;
  }
  return {
    id: crypto.randomUUID(),
    contactIndex,
    score,
    answers,
    comment,
    submittedAt,
    completed,
    locale: person.lang,
    mood,
  };
}

/** One sentence, sometimes two; while the batteries were failing, unhappy people mostly wrote about them. */
function commentOf(pool: Sentence[], daysAgo: number, rnd: Random) {
  const battery = pool.filter((s) => /^(bat|akku)/i.test(s.topic));
  const dip = daysAgo / 30.4 > 5 && daysAgo / 30.4 <= 8;
  const first = dip && battery.length && rnd.chance(0.6) ? rnd.pick(battery) : rnd.pick(pool);
  if (!rnd.chance(0.3)) return first.text;
  const second = rnd.pick(pool.filter((s) => s !== first));
  return second ? `${first.text} ${second.text}` : first.text;
}
