import type { Db, Tx } from '../../platform/db';
import { conflict, forbidden, found, invalid } from '../../platform/errors';
import { decodeCursor, encodeCursor } from '../../platform/cursor';
import type { Sealer } from '../../platform/tokens';
import { can, type User } from '../accounts';
import { checkedAddresses, RefusedAddress, type AddressPolicy, type Resolve } from './addressGuard';
import { TEST_EVENT } from './events';
import { newSecret } from './signing';
import type { EndpointInput, NewEndpointInput } from './webhooks.schemas';
import { webhooksRepository } from './webhooks.repository';
import { record, type Actor } from '../audit';

const LOG_PAGE = 50;
/** After a rotation, the previous secret also signs for this long. */
export const ROTATION_GRACE_HOURS = 24;

const mustManage = (actor: User) => {
  if (!can(actor.role, 'workspace')) throw forbidden('Only an owner or admin can manage webhooks.');
};

export function webhooksService(
  db: Db,
  deps: {
    sealer: Sealer;
    policy: AddressPolicy;
    resolve?: Resolve;
    /** Tells this process's worker there is something to send now (a test event, a resend). */
    onQueued?: () => void;
  },
) {
  const repo = webhooksRepository(db);
  const endpoint = (workspaceId: string, id: string, tx?: Tx) =>
    found(repo.find(workspaceId, id, tx), 'webhook endpoint');

  /** At save, where the URL points: the same guard the worker applies again at every send. */
  async function checkTarget(url: string) {
    const { hostname } = new URL(url);
    try {
      await checkedAddresses(hostname, deps.policy, deps.resolve);
    } catch (err) {
      const message =
        err instanceof RefusedAddress
          ? `Rapport does not send webhooks there: ${err.message}. Use an address on the public internet.`
          : `We could not find ${hostname} (${(err as NodeJS.ErrnoException).code ?? 'no answer'}). Check the address.`;
      throw invalid('This URL cannot receive webhooks.', { url: message });
    }
  }

  return {
    list: (workspaceId: string) => repo.list(workspaceId),
    get: endpoint,

    /** Returns the new endpoint's id and its signing secret, shown this once (Slack endpoints have none). */
    async create(actor: User, input: NewEndpointInput, from: Actor) {
      mustManage(actor);
      await checkTarget(input.url);
      const secret = input.format === 'standard' ? newSecret() : null;
      // The change and its audit entry commit together, or neither does (audit/README.md).
      const id = await db.transaction(async (tx) => {
        const made = await repo.insert(
          actor.workspaceId,
          {
            url: input.url,
            description: input.description,
            events: input.events,
            format: input.format,
            secretSealed: secret ? deps.sealer.seal(secret) : null,
          },
          tx,
        );
        await record(
          db,
          from,
          { action: 'webhook.created', subject: input.url, details: { events: input.events } },
          tx,
        );
        return made;
      });
      return { id, secret };
    },

    async update(actor: User, id: string, input: EndpointInput, from: Actor) {
      mustManage(actor);
      await endpoint(actor.workspaceId, id);
      // The address is checked (DNS) before the transaction: no lock is held while a resolver answers.
      await checkTarget(input.url);
      await db.transaction(async (tx) => {
        const before = await endpoint(actor.workspaceId, id, tx);
        await repo.update(actor.workspaceId, id, input, tx);
        await record(
          db,
          from,
          {
            action: 'webhook.updated',
            subject: input.url,
            details: { ...(before.url !== input.url ? { from: before.url } : {}), events: input.events },
          },
          tx,
        );
      });
    },

    async rotate(actor: User, id: string, from: Actor) {
      mustManage(actor);
      const secret = newSecret();
      await db.transaction(async (tx) => {
        const e = await endpoint(actor.workspaceId, id, tx);
        if (e.format === 'slack') throw conflict('A Slack endpoint has no signing secret.');
        await repo.rotate(actor.workspaceId, id, deps.sealer.seal(secret), ROTATION_GRACE_HOURS, tx);
        await record(db, from, { action: 'webhook.updated', subject: e.url, details: { secret: 'rotated' } }, tx);
      });
      return secret;
    },

    async setEnabled(actor: User, id: string, enabled: boolean, from: Actor) {
      mustManage(actor);
      await db.transaction(async (tx) => {
        const e = await endpoint(actor.workspaceId, id, tx);
        if (enabled) await repo.enable(actor.workspaceId, id, tx);
        else await repo.disable(actor.workspaceId, id, `Disabled by ${actor.name}.`, tx);
        await record(db, from, { action: 'webhook.updated', subject: e.url, details: { enabled } }, tx);
      });
    },

    async remove(actor: User, id: string, from: Actor) {
      mustManage(actor);
      await db.transaction(async (tx) => {
        const e = await endpoint(actor.workspaceId, id, tx);
        await repo.remove(actor.workspaceId, id, tx);
        await record(db, from, { action: 'webhook.deleted', subject: e.url }, tx);
      });
    },

    async sendTest(actor: User, id: string) {
      mustManage(actor);
      const e = await endpoint(actor.workspaceId, id);
      if (!e.enabled) throw conflict('This endpoint is disabled: enable it first, then send a test event.');
      await repo.queueTest(actor.workspaceId, id, TEST_EVENT, {
        endpointId: id,
        message: 'A test event from Rapport. If you can read this, the endpoint works.',
      });
      deps.onQueued?.();
    },

    async log(workspaceId: string, id: string, cursor: unknown) {
      const after = decodeCursor(cursor);
      const rows = await repo.log(workspaceId, id, LOG_PAGE + 1, after);
      const last = rows.length > LOG_PAGE ? rows[LOG_PAGE - 1] : undefined;
      return { deliveries: rows.slice(0, LOG_PAGE), next: last ? encodeCursor(last.cursorAt, last.id) : null };
    },

    async delivery(workspaceId: string, endpointId: string, deliveryId: string) {
      const delivery = await found(repo.delivery(workspaceId, endpointId, deliveryId), 'delivery');
      return { delivery, attempts: await repo.attempts(delivery.id) };
    },

    async resend(actor: User, endpointId: string, deliveryId: string) {
      mustManage(actor);
      const e = await endpoint(actor.workspaceId, endpointId);
      await found(repo.delivery(actor.workspaceId, endpointId, deliveryId), 'delivery');
      if (!e.enabled) throw conflict('This endpoint is disabled: enable it first, then resend.');
      if (!(await repo.requeue(actor.workspaceId, endpointId, deliveryId)))
        throw conflict('This message is already waiting to be sent.');
      deps.onQueued?.();
    },
  };
}
export type WebhooksService = ReturnType<typeof webhooksService>;
