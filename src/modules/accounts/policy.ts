import type { NextFunction, Request, Response } from 'express';
import { match } from 'path-to-regexp';
import { forbidden, notFound, unauthenticated } from '../../platform/errors';

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a request needs. `read`: see dashboards, the inbox, contacts, surveys. `write`: change them and send
 * (surveys, contacts, schedules, replies). `export`: take data out. `team`: invite, change roles, remove.
 * `workspace`: the workspace's settings. `oversee`: the mailbox and the audit log. `self`: one's own account.
 */
export type Permission = 'read' | 'write' | 'export' | 'team' | 'workspace' | 'oversee' | 'self';

/** The role matrix (the README shows it). Owner-only acts on owners are decided by `mayAssign` below. */
export const GRANTS: Record<Role, readonly Permission[]> = {
  owner: ['read', 'write', 'export', 'team', 'workspace', 'oversee', 'self'],
  admin: ['read', 'write', 'export', 'team', 'workspace', 'oversee', 'self'],
  member: ['read', 'write', 'export', 'self'],
  viewer: ['read', 'self'],
};

export const can = (role: Role, permission: Permission) => GRANTS[role].includes(permission);

/**
 * Whether an actor may give `target` (now `from`) the role `to` (or remove them, `to` undefined): only an
 * owner makes, unmakes or removes an owner; admins manage everyone else. The last owner is protected by the
 * use case, which must count owners inside its transaction.
 */
export const mayAssign = (actor: Role, from: Role, to?: Role) =>
  can(actor, 'team') && (actor === 'owner' || (from !== 'owner' && to !== 'owner'));

/**
 * Every signed-in route and what it needs: the one place roles are enforced. A route missing here answers 404
 * to everyone (never open by omission); tests/integration/roles.test.ts fails when a route of the app's route
 * table has no line here, and walks the whole matrix over it.
 */
export const POLICY: readonly (readonly [method: 'GET' | 'POST', path: string, need: Permission])[] = [
  // Own account
  ['POST', '/team/alerts', 'self'],
  ['POST', '/team/digest', 'self'],
  ['POST', '/team/round-robin', 'self'],
  ['GET', '/account', 'self'],
  ['POST', '/account/password', 'self'],
  ['POST', '/account/sessions/others/end', 'self'],
  ['POST', '/account/sessions/:key/end', 'self'],
  ['GET', '/account/two-factor', 'self'],
  ['POST', '/account/two-factor', 'self'],
  ['POST', '/account/two-factor/recovery-codes', 'self'],
  ['POST', '/account/two-factor/disable', 'self'],
  // One's workspaces: anyone may make one (and owns it), and switch to those they belong to.
  ['GET', '/workspaces/new', 'self'],
  ['POST', '/workspaces', 'self'],
  ['POST', '/workspaces/switch', 'self'],
  // Team and settings
  ['GET', '/team', 'read'],
  ['POST', '/team/invitations', 'team'],
  ['POST', '/team/invitations/:id/resend', 'team'],
  ['POST', '/team/invitations/:id/revoke', 'team'],
  ['POST', '/team/:id/role', 'team'],
  ['GET', '/team/:id/remove', 'team'],
  ['POST', '/team/:id/remove', 'team'],
  ['GET', '/settings', 'read'],
  ['POST', '/settings', 'workspace'],
  // Settings owners and admins manage; everyone else may look (a webhook's secret is shown once, at creation).
  ['POST', '/settings/brand', 'workspace'],
  ['POST', '/settings/logo', 'workspace'],
  ['POST', '/settings/logo/remove', 'workspace'],
  ['GET', '/settings/api-keys', 'read'],
  ['POST', '/settings/api-keys', 'workspace'],
  ['POST', '/settings/api-keys/delighted', 'workspace'],
  ['GET', '/settings/api-keys/:id/revoke', 'workspace'],
  ['POST', '/settings/api-keys/:id/revoke', 'workspace'],
  ['GET', '/settings/inbox', 'read'],
  ['POST', '/settings/inbox', 'workspace'],
  ['GET', '/settings/retention', 'read'],
  ['POST', '/settings/retention', 'workspace'],
  ['GET', '/settings/webhooks', 'read'],
  ['POST', '/settings/webhooks', 'workspace'],
  ['GET', '/settings/webhooks/:id', 'read'],
  ['POST', '/settings/webhooks/:id', 'workspace'],
  ['POST', '/settings/webhooks/:id/enable', 'workspace'],
  ['POST', '/settings/webhooks/:id/disable', 'workspace'],
  ['POST', '/settings/webhooks/:id/test', 'workspace'],
  ['POST', '/settings/webhooks/:id/rotate', 'workspace'],
  ['GET', '/settings/webhooks/:id/delete', 'workspace'],
  ['POST', '/settings/webhooks/:id/delete', 'workspace'],
  ['GET', '/settings/webhooks/:id/deliveries/:deliveryId', 'read'],
  ['POST', '/settings/webhooks/:id/deliveries/:deliveryId/resend', 'workspace'],
  ['GET', '/settings/audit', 'oversee'],
  ['GET', '/settings/audit/export.csv', 'oversee'],
  ['POST', '/settings/audit/retention', 'workspace'],
  ['GET', '/mailbox', 'oversee'],
  ['GET', '/mailbox/:id', 'oversee'],
  // The laptop's whole loop: the customer's answer to a captured message, sent into the inbound listener.
  ['POST', '/mailbox/:id/reply-as-customer', 'oversee'],
  // Surveys
  ['GET', '/surveys', 'read'],
  ['GET', '/surveys/new', 'write'],
  ['POST', '/surveys', 'write'],
  ['GET', '/surveys/:id/edit', 'write'],
  ['POST', '/surveys/:id/edit', 'write'],
  ['GET', '/surveys/:id/preview', 'read'],
  ['POST', '/surveys/:id/archive', 'write'],
  ['POST', '/surveys/:id/restore', 'write'],
  ['GET', '/surveys/:id/delete', 'write'],
  ['POST', '/surveys/:id/delete', 'write'],
  ['GET', '/surveys/:id/send', 'write'],
  ['POST', '/surveys/:id/send', 'write'],
  ['GET', '/waves/:id', 'read'],
  // Insights
  ['GET', '/surveys/:id', 'read'],
  ['GET', '/surveys/:id/comments/:question', 'read'],
  ['GET', '/surveys/:id/responses', 'read'],
  ['GET', '/surveys/:id/compare', 'read'],
  ['GET', '/surveys/:id/export.csv', 'export'],
  ['GET', '/surveys/:id/export.jsonl', 'export'],
  // Schedules
  ['GET', '/surveys/:id/schedules', 'read'],
  ['GET', '/surveys/:id/schedules/new', 'write'],
  ['POST', '/surveys/:id/schedules', 'write'],
  ['GET', '/schedules/preview', 'read'],
  ['GET', '/schedules/:id', 'read'],
  ['POST', '/schedules/:id', 'write'],
  ['GET', '/schedules/:id/activate', 'write'],
  ['POST', '/schedules/:id/activate', 'write'],
  ['POST', '/schedules/:id/pause', 'write'],
  ['GET', '/schedules/:id/delete', 'write'],
  ['POST', '/schedules/:id/delete', 'write'],
  // Contacts
  ['GET', '/contacts', 'read'],
  ['POST', '/contacts', 'write'],
  ['POST', '/contacts/paste', 'write'],
  ['GET', '/contacts/imports', 'write'],
  ['POST', '/contacts/imports', 'write'],
  ['GET', '/contacts/imports/:id', 'write'],
  ['POST', '/contacts/imports/:id', 'write'],
  ['GET', '/contacts/imports/:id/refusals.csv', 'write'],
  ['GET', '/contacts/segments', 'read'],
  ['POST', '/contacts/segments', 'write'],
  ['GET', '/contacts/segments/:id/delete', 'write'],
  ['POST', '/contacts/segments/:id/delete', 'write'],
  ['GET', '/contacts/suppressions', 'read'],
  ['POST', '/contacts/suppressions', 'write'],
  ['GET', '/contacts/:id', 'read'],
  ['POST', '/contacts/:id', 'write'],
  ['GET', '/contacts/:id/export.json', 'export'],
  ['POST', '/contacts/:id/suppress', 'write'],
  ['POST', '/contacts/:id/unsuppress', 'write'],
  ['GET', '/contacts/:id/delete', 'write'],
  ['POST', '/contacts/:id/delete', 'write'],
  ['POST', '/contacts/:id/erase', 'write'],
  // Inbox
  ['GET', '/inbox', 'read'],
  // Mail that came back but matched no conversation: owners and admins only (it may be anyone's).
  ['GET', '/inbox/unmatched', 'oversee'],
  ['POST', '/inbox/close', 'write'],
  ['GET', '/inbox/:id', 'read'],
  ['POST', '/inbox/:id/replies', 'write'],
  ['POST', '/inbox/:id/notes', 'write'],
  ['POST', '/inbox/:id/assign', 'write'],
  ['POST', '/inbox/:id/close', 'write'],
  ['POST', '/inbox/:id/reopen', 'write'],
  ['GET', '/measures', 'read'],
  ['GET', '/saved-replies', 'read'],
  ['POST', '/saved-replies', 'write'],
  ['POST', '/saved-replies/:id/delete', 'write'],
  ['GET', '/updates/new', 'write'],
  ['POST', '/updates', 'write'],
  ['GET', '/updates/:id', 'write'],
  ['POST', '/updates/:id', 'write'],
];

const MESSAGES: Record<Permission, string> = {
  read: 'Your role cannot see this page.',
  write: 'Viewers can look but not change or send anything. Ask an owner or admin for the member role.',
  export: 'Viewers cannot export data. Ask an owner or admin for the member role.',
  team: 'Only an owner or admin can manage the team.',
  workspace: 'Only an owner or admin can change workspace settings.',
  oversee: 'Only an owner or admin can see this.',
  self: 'Sign in to change your own account.',
};

// Static paths before patterns, so '/surveys/new' is never read as '/surveys/:id'.
const COMPILED = [...POLICY]
  .sort(([, a], [, b]) => Number(a.includes(':')) - Number(b.includes(':')))
  .map(([method, path, need]) => ({ method, path, need, test: match(path, { decode: false }) }));

/** The policy line a request falls under (HEAD is a GET), or undefined when no signed-in route has one. */
export const policyFor = (method: string, path: string) => {
  const m = method === 'HEAD' ? 'GET' : method;
  return COMPILED.find((p) => p.method === m && p.test(path));
};

/** The middleware: mounted once, after requireUser, before every signed-in route. */
export const authorize = (req: Request, _res: Response, next: NextFunction) => {
  if (!req.auth) return next(unauthenticated());
  const line = policyFor(req.method, req.path);
  if (!line) return next(notFound());
  if (!can(req.auth.user.role, line.need)) return next(forbidden(MESSAGES[line.need]));
  next();
};
