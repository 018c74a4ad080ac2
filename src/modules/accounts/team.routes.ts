import { Router, type Request } from 'express';
import { brandPalette } from '../../platform/brand';
import type { Db } from '../../platform/db';
import { handleForm } from '../../platform/forms';
import { TIME_ZONES } from '../../platform/timeZones';
import type { AccountsService } from './accounts.service';
import { alertsSchema, digestSchema, teammateSchema, workspaceSchema } from './accounts.schemas';
import { auth } from './auth.middleware';
import type { User } from './accounts.repository';
import { brandRoutes, LOGO_MAX_BYTES, logoPath } from './brand';

/** The team (who can own contacts and sign emails) and the workspace's settings. */
export function teamRoutes(accounts: AccountsService, db: Db) {
  const r = Router();

  const teamPage = async (req: Request) => {
    const { user, workspace } = auth(req);
    return {
      title: 'Team',
      teammates: await accounts.listUsers(workspace.id),
      canManage: accounts.canManage(user),
      added: false,
      alertsSaved: false,
      digestSaved: false,
    };
  };
  const settingsPage = (req: Request) => {
    const { user, workspace } = auth(req);
    return {
      title: 'Settings',
      zones: TIME_ZONES,
      canManage: accounts.canManage(user),
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
      added: req.query.added === '1',
      alertsSaved: req.query.alerts === '1',
      digestSaved: req.query.digest === '1',
    });
  });

  /** The signed-in person does it, then sees the page again with a notice. */
  const asActor =
    <I>(use: (actor: User, input: I) => Promise<unknown>, then: string) =>
    async (input: I, req: Request) => {
      await use(auth(req).user, input);
      return then;
    };

  r.post('/team/alerts', ...handleForm({ schema: alertsSchema, run: asActor(accounts.setAlerts, '/team?alerts=1') }));

  r.post('/team/digest', ...handleForm({ schema: digestSchema, run: asActor(accounts.setDigest, '/team?digest=1') }));

  r.post(
    '/team',
    ...handleForm({
      view: 'accounts/team',
      page: teamPage,
      schema: teammateSchema,
      run: asActor(accounts.addTeammate, '/team?added=1'),
    }),
  );

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
