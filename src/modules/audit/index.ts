export { record, recordForPerson, who, type Actor, type AuditEntry } from './audit';
