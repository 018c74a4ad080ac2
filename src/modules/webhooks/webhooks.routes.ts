import { Router, type Request, type Response } from 'express';
import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { auth, can, confirmedAction } from '../accounts';
import { EVENT_NAMES, EVENT_TYPES } from './events';
import { endpointSchema, newEndpointSchema } from './webhooks.schemas';
import { ROTATION_GRACE_HOURS, type WebhooksService } from './webhooks.service';
import { who } from '../audit';

const NOTICES: Record<string, string> = {
  saved: 'Endpoint saved.',
  created: 'Endpoint added. Send a test event to check that it arrives.',
  enabled: 'Endpoint enabled: new events are sent to it again.',
  disabled: 'Endpoint disabled: no event is sent to it until you enable it.',
  tested: 'Test event queued: it appears in the log below within seconds.',
  resent: 'Message queued again, with the same webhook-id.',
};

const BASE = '/settings/webhooks';
const canManage = (req: Request) => can(auth(req).user.role, 'workspace');

/** Settings → Webhooks: endpoints, their secrets (shown once), test events and the delivery log. */
export function webhooksRoutes(webhooks: WebhooksService) {
  const r = Router();
  const endpointId = (req: Request) => idParam(req.params.id, 'webhook endpoint');

  const listPage = async (req: Request) => ({
    title: 'Webhooks',
    endpoints: await webhooks.list(auth(req).workspace.id),
    eventTypes: EVENT_TYPES,
    canManage: canManage(req),
  });

  const endpointPage = async (req: Request) => {
    const id = endpointId(req);
    const workspaceId = auth(req).workspace.id;
    const endpoint = await webhooks.get(workspaceId, id);
    return {
      title: 'Webhook endpoint',
      endpoint,
      eventTypes: EVENT_TYPES,
      canManage: canManage(req),
      notice: NOTICES[String(req.query.done)] ?? null,
      ...(await webhooks.log(workspaceId, id, req.query.after)),
    };
  };

  const showSecret = (res: Response, id: string, secret: string, rotated: boolean) =>
    res.render('settings/webhook-secret', {
      title: 'Signing secret',
      id,
      secret,
      rotated,
      graceHours: ROTATION_GRACE_HOURS,
    });

  r.get(BASE, async (req, res) => {
    res.render('settings/webhooks', {
      ...(await listPage(req)),
      values: { format: 'standard', events: EVENT_NAMES },
      errors: {},
    });
  });

  r.post(
    BASE,
    ...handleForm({
      view: 'settings/webhooks',
      page: listPage,
      schema: newEndpointSchema,
      run: async (input, req, res) => {
        const { id, secret } = await webhooks.create(auth(req).user, input, who(req));
        if (!secret) return `${BASE}/${id}?done=created`;
        // Shown in this answer only (never in a URL, never stored in the clear), so it is shown once.
        showSecret(res, id, secret, false);
        return undefined;
      },
    }),
  );

  r.get(`${BASE}/:id`, async (req, res) => {
    const page = await endpointPage(req);
    res.render('settings/webhook', { ...page, values: page.endpoint, errors: {} });
  });

  r.post(
    `${BASE}/:id`,
    ...handleForm({
      view: 'settings/webhook',
      page: endpointPage,
      schema: endpointSchema,
      run: async (input, req) => {
        await webhooks.update(auth(req).user, endpointId(req), input, who(req));
        return `${BASE}/${endpointId(req)}?done=saved`;
      },
    }),
  );

  /** The endpoint's buttons: each does one thing and comes back to the endpoint's page. */
  const action = (path: string, use: (req: Request) => Promise<unknown>, done: string) =>
    r.post(
      `${BASE}/:id/${path}`,
      ...handleForm({
        run: async (_input, req) => {
          await use(req);
          return `${BASE}/${endpointId(req)}?done=${done}`;
        },
      }),
    );
  action('enable', (req) => webhooks.setEnabled(auth(req).user, endpointId(req), true, who(req)), 'enabled');
  action('disable', (req) => webhooks.setEnabled(auth(req).user, endpointId(req), false, who(req)), 'disabled');
  action('test', (req) => webhooks.sendTest(auth(req).user, endpointId(req)), 'tested');

  r.post(
    `${BASE}/:id/rotate`,
    ...handleForm({
      run: async (_input, req, res) =>
        showSecret(res, endpointId(req), await webhooks.rotate(auth(req).user, endpointId(req), who(req)), true),
    }),
  );

  // Deleting drops the endpoint's log for good: asked first, on a page (Disable keeps it).
  const removal = confirmedAction(
    'webhook endpoint',
    async (req) => {
      const e = await webhooks.get(auth(req).workspace.id, endpointId(req));
      return {
        title: `Delete the endpoint ${e.description || e.url}?`,
        facts: [
          `Events stop going to ${e.url} at once; messages still waiting for it are not sent.`,
          'Its delivery log is deleted with it.',
        ],
        keeps: [
          'The audit log records the deletion.',
          'To stop events for a while and keep the log, Disable it instead.',
        ],
        button: 'Delete endpoint',
        danger: true,
        cancel: `${BASE}/${e.id}`,
      };
    },
    async (_workspaceId, id, user, req) => {
      await webhooks.remove(user, id, who(req));
      return BASE;
    },
  );
  r.get(`${BASE}/:id/delete`, removal.show);
  r.post(`${BASE}/:id/delete`, ...removal.act);

  r.get(`${BASE}/:id/deliveries/:deliveryId`, async (req, res) => {
    const workspaceId = auth(req).workspace.id;
    const id = endpointId(req);
    const endpoint = await webhooks.get(workspaceId, id);
    const detail = await webhooks.delivery(workspaceId, id, idParam(req.params.deliveryId, 'delivery'));
    res.render('settings/webhook-delivery', {
      title: 'Webhook delivery',
      endpoint,
      ...detail,
      canManage: canManage(req),
    });
  });

  r.post(
    `${BASE}/:id/deliveries/:deliveryId/resend`,
    ...handleForm({
      run: async (_input, req) => {
        await webhooks.resend(auth(req).user, endpointId(req), idParam(req.params.deliveryId, 'delivery'));
        return `${BASE}/${endpointId(req)}?done=resent`;
      },
    }),
  );

  return r;
}
