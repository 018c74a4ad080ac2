export { contactsService, type ContactsService } from './contacts.service';
export { contactsRoutes } from './contacts.routes';
