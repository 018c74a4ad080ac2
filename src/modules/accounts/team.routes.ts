import { Router, type Request } from 'express';
import { brandPalette } from '../../platform/brand';
import type { Db } from '../../platform/db';
import { handleForm, lastValue } from '../../platform/forms';
import { TIME_ZONES } from '../../platform/timeZones';
import { idParam, parse } from '../../platform/validation';
import { who, type Actor } from '../audit';
import type { AccountsService } from './accounts.service';
import type { TeamService } from './team.service';
import {
  alertsSchema,
  digestSchema,
  invitationSchema,
  removalSchema,
  roleSchema,
  roundRobinSchema,
  workspaceSchema,
} from './accounts.schemas';
import { confirmedAction } from './actions';
import { auth } from './auth.middleware';
import type { User } from './accounts.repository';
import { brandRoutes, LOGO_MAX_BYTES, logoPath } from './brand';
import { can, ROLES } from './policy';

/** The team (who can own contacts and sign emails) and the workspace's settings. */
export function teamRoutes(accounts: AccountsService, team: TeamService, db: Db) {
  const r = Router();

  const NOTICES: Record<string, string> = {
    invited: 'Invitation sent. The link in it works once, for 7 days.',
    resent: 'Invitation sent again, with a new link; the old one no longer works.',
    revoked: 'Invitation revoked; its link no longer works.',
    alerts: 'Alert setting saved.',
    digest: 'Digest setting saved.',
    rotation: 'Round-robin setting saved.',
    role: 'Role changed. It applies from their next page.',
    removed: 'Teammate removed. What they owned went to the teammate you chose.',
  };
  const teamPage = async (req: Request) => {
    const { user, workspace } = auth(req);
    return {
      title: 'Team',
      teammates: await accounts.listUsers(workspace.id),
      invitations: can(user.role, 'team') ? await team.pendingInvitations(workspace.id) : [],
      canManage: can(user.role, 'team'),
      roles: ROLES,
      notice: '',
      notices: NOTICES,
    };
  };
  const settingsPage = (req: Request) => {
    const { user, workspace } = auth(req);
    return {
      title: 'Settings',
      zones: TIME_ZONES,
      canManage: can(user.role, 'workspace'),
      saved: false,
      brandSaved: false,
      palette: brandPalette(workspace.brandColor),
      logoUrl: workspace.logoSha256 ? logoPath(workspace.logoSha256) : null,
      logoMaxKb: LOGO_MAX_BYTES / 1024,
    };
  };

  r.get('/team', async (req, res) => {
    res.render('accounts/team', {
      ...(await teamPage(req)),
      values: { role: 'member' },
      errors: {},
      notice: Object.keys(NOTICES).find((k) => req.query[k] === '1') ?? '',
    });
  });

  /** The signed-in person does it (recorded as them), then sees the page again with a notice. */
  const asActor =
    <I>(use: (actor: User, input: I, from: Actor) => Promise<unknown>, then: string) =>
    async (input: I, req: Request) => {
      await use(auth(req).user, input, who(req));
      return then;
    };
  /** The same, about the record in the path (a teammate, an invitation). */
  const onRecord =
    <I>(what: string, use: (actor: User, id: string, input: I, from: Actor) => Promise<unknown>, then: string) =>
    async (input: I, req: Request) => {
      await use(auth(req).user, idParam(req.params.id, what), input, who(req));
      return then;
    };

  r.post('/team/alerts', ...handleForm({ schema: alertsSchema, run: asActor(accounts.setAlerts, '/team?alerts=1') }));

  r.post(
    '/team/round-robin',
    ...handleForm({ schema: roundRobinSchema, run: asActor(accounts.setRoundRobin, '/team?rotation=1') }),
  );

  r.post('/team/digest', ...handleForm({ schema: digestSchema, run: asActor(accounts.setDigest, '/team?digest=1') }));

  r.post(
    '/team/invitations',
    ...handleForm({
      view: 'accounts/team',
      page: teamPage,
      schema: invitationSchema,
      run: asActor(team.invite, '/team?invited=1'),
    }),
  );
  r.post('/team/invitations/:id/resend', ...handleForm({ run: onRecord('invitation', team.resend, '/team?resent=1') }));
  r.post(
    '/team/invitations/:id/revoke',
    ...handleForm({ run: onRecord('invitation', team.revoke, '/team?revoked=1') }),
  );

  r.post(
    '/team/:id/role',
    ...handleForm({
      view: 'accounts/team',
      page: teamPage,
      schema: roleSchema,
      run: onRecord('teammate', team.changeRole, '/team?role=1'),
    }),
  );

  /**
   * Removing a teammate asks first, on a page that works without JavaScript (the Team page's "Remove…" links to
   * it): it names who takes over (the person removing them unless another is chosen there, by a GET form), says
   * what each module does with what they own and what stays, and its button posts that choice with confirm=yes.
   */
  const removal = confirmedAction(
    'teammate',
    async (req) => {
      const chosen = lastValue((req.body as Record<string, unknown> | undefined)?.successorId ?? req.query.successorId);
      const plan = await team.removalPlan(auth(req).user, idParam(req.params.id, 'teammate'), chosen || undefined);
      const { target, successor } = plan;
      return {
        title: `Remove ${target.name} from the team?`,
        facts: [
          `${target.name} (${target.email}) can no longer open ${auth(req).workspace.name}: they are signed out of it at once.`,
          ...plan.notes,
        ],
        keeps: [
          `Every reply and note ${target.name} wrote stays in its conversation, under their name.`,
          'Answers, dashboards and the contacts themselves are unchanged; only who owns them changes.',
          plan.otherWorkspaces > 0
            ? `Their account, for the ${plan.otherWorkspaces === 1 ? 'other workspace' : `${plan.otherWorkspaces} other workspaces`} they belong to.`
            : 'Their account is deleted: this was their only workspace. An invitation can bring them back.',
          'The audit log records the removal.',
        ],
        fields: successor ? [['successorId', successor.id]] : [],
        // Who takes over, changed on this page (a GET form: the page is drawn again naming them).
        choice:
          successor && plan.others.length > 1
            ? {
                name: 'successorId',
                label: 'Their conversations and contacts go to',
                options: plan.others.map((u) => ({ value: u.id, label: u.name })),
                selected: successor.id,
                button: 'Change',
              }
            : undefined,
        button: `Remove ${target.name}`,
        danger: true,
        cancel: '/team',
        refusal: plan.refusal,
      };
    },
    async (_workspaceId, id, user, req) => {
      await team.remove(user, id, parse(removalSchema, req.body ?? {}), who(req));
      return '/team?removed=1';
    },
  );
  r.get('/team/:id/remove', removal.show);
  r.post('/team/:id/remove', ...removal.act);

  r.get('/settings', (req, res) => {
    res.render('accounts/settings', {
      ...settingsPage(req),
      values: auth(req).workspace,
      errors: {},
      saved: req.query.saved === '1',
      brandSaved: req.query.brand === '1',
    });
  });

  r.use(brandRoutes(db, settingsPage));

  r.post(
    '/settings',
    ...handleForm({
      view: 'accounts/settings',
      page: settingsPage,
      schema: workspaceSchema,
      run: asActor(accounts.updateWorkspace, '/settings?saved=1'),
    }),
  );

  return r;
}
