import { Router } from 'express';
import { formView } from '../../platform/http';
import { parse } from '../../platform/validation';
import type { AccountsService } from './accounts.service';
import { alertsSchema, teammateSchema, workspaceSchema } from './accounts.schemas';
import { auth } from './auth.middleware';

/** The team (who can own contacts and sign emails) and the workspace's settings. */
export function teamRoutes(accounts: AccountsService) {
  const r = Router();

  const teamLocals = async (workspaceId: string) => ({
    title: 'Team',
    teammates: await accounts.listUsers(workspaceId),
  });

  r.get('/team', async (req, res) => {
    const { user, workspace } = auth(req);
    res.render('accounts/team', {
      ...(await teamLocals(workspace.id)),
      canManage: accounts.canManage(user),
      values: { role: 'member' },
      errors: {},
      added: req.query.added === '1',
      alertsSaved: req.query.alerts === '1',
    });
  });

  r.post('/team/alerts', async (req, res) => {
    const { user } = auth(req);
    await accounts.setAlerts(user, parse(alertsSchema, req.body ?? {}));
    res.redirect(303, '/team?alerts=1');
  });

  r.post('/team', formView('accounts/team'), async (req, res) => {
    const { user, workspace } = auth(req);
    Object.assign(res.locals, await teamLocals(workspace.id), {
      canManage: accounts.canManage(user),
      added: false,
      alertsSaved: false,
    });
    await accounts.addTeammate(user, parse(teammateSchema, req.body));
    res.redirect(303, '/team?added=1');
  });

  r.get('/settings', (req, res) => {
    const { user, workspace } = auth(req);
    res.render('accounts/settings', {
      title: 'Settings',
      canManage: accounts.canManage(user),
      values: workspace,
      errors: {},
      saved: req.query.saved === '1',
    });
  });

  r.post('/settings', formView('accounts/settings'), async (req, res) => {
    const { user } = auth(req);
    Object.assign(res.locals, { title: 'Settings', canManage: accounts.canManage(user), saved: false });
    await accounts.updateWorkspace(user, parse(workspaceSchema, req.body));
    res.redirect(303, '/settings?saved=1');
  });

  return r;
}
