export { mailboxRoutes } from './mailbox.routes';
export { startMailboxServer } from './mailbox.server';
export { mailboxErasure } from './erasure';
