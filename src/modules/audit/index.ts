export { auditor, record, recordForPerson, who, type Actor, type AuditEntry, type Auditor } from './audit';
export { auditLog, type AuditLog } from './log';
export { auditRoutes } from './audit.routes';
