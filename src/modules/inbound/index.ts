export { inboundService, type InboundService, type Received } from './inbound.service';
export { inboundRoutes } from './inbound.routes';
export { replyAddresses, type ReplyAddresses } from './addresses';
export { startInboundListener, type InboundListener } from './listener';
export { imapPoller, type ImapPoller } from './imap';
export { readMessage, type InboundMail } from './read';
export { inboundErasure } from './erasure';
