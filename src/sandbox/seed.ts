import type { SandboxSeed } from './model.js';

/**
 * A small but realistic instance: three partitions, two workspaces (each with its Lead Database
 * zone and Group Lists folder), an existing static list,
 * and leads whose emails repeat across partitions (the duplicates the matcher must choose among).
 */
export const DEFAULT_SEED: SandboxSeed = {
  fields: [
    { name: 'id', displayName: 'Id', dataType: 'integer', updateable: false },
    { name: 'email', displayName: 'Email Address', dataType: 'email', length: 255, updateable: true },
    { name: 'firstName', displayName: 'First Name', dataType: 'string', length: 255, updateable: true },
    { name: 'lastName', displayName: 'Last Name', dataType: 'string', length: 255, updateable: true },
    { name: 'company', displayName: 'Company Name', dataType: 'string', length: 255, updateable: true },
    { name: 'title', displayName: 'Job Title', dataType: 'string', length: 255, updateable: true },
    { name: 'city', displayName: 'City', dataType: 'string', length: 255, updateable: true },
    { name: 'country', displayName: 'Country', dataType: 'string', length: 255, updateable: true },
    { name: 'externalCustomerId', displayName: 'External Customer Id', dataType: 'string', length: 80, updateable: true },
    { name: 'loyaltyNumber', displayName: 'Loyalty Number', dataType: 'integer', updateable: true },
    { name: 'leadScore', displayName: 'Lead Score', dataType: 'integer', updateable: true },
    { name: 'productInterest', displayName: 'Product Interest', dataType: 'string', length: 120, updateable: true },
    { name: 'unsubscribed', displayName: 'Unsubscribed', dataType: 'boolean', updateable: true },
    { name: 'birthDate', displayName: 'Date of Birth', dataType: 'date', updateable: true },
    { name: 'sfdcLeadId', displayName: 'SFDC Lead Id', dataType: 'string', length: 18, updateable: false, crmManaged: true },
    { name: 'createdAt', displayName: 'Created At', dataType: 'datetime', updateable: false },
    { name: 'updatedAt', displayName: 'Updated At', dataType: 'datetime', updateable: false },
    { name: 'leadPartitionId', displayName: 'Lead Partition Id', dataType: 'integer', updateable: false },
    { name: 'cookies', displayName: 'Cookies', dataType: 'string', length: 255, updateable: false },
  ],
  searchableFields: [['email'], ['id'], ['cookies'], ['leadPartitionId'], ['externalCustomerId'], ['loyaltyNumber'], ['sfdcLeadId'], ['firstName', 'lastName']],
  partitions: [
    { id: 1, name: 'Default', description: 'Initial system lead partition' },
    { id: 2, name: 'EMEA', description: 'Leads from Europe, Middle East and Africa' },
    { id: 3, name: 'APAC', description: 'Leads from Asia-Pacific' },
  ],
  workspaces: [
    { id: 1, name: 'Default', description: 'Default workspace' },
    { id: 4, name: 'Europe', description: 'European marketing' },
  ],
  // Each workspace's Lead Database zone holds the system folder Group Lists, home of static lists.
  folders: [
    { id: 12, name: 'Lead Database', workspace: 'Default' },
    { id: 13, name: 'Marketing Activities', workspace: 'Default' },
    { id: 14, name: 'Group Lists', parentId: 12, workspace: 'Default' },
    { id: 40, name: 'Lead Database', workspace: 'Europe' },
    { id: 41, name: 'Marketing Activities', workspace: 'Europe' },
    { id: 42, name: 'Group Lists', parentId: 40, workspace: 'Europe' },
  ],
  lists: [{ id: 1100, name: 'Newsletter subscribers', folderId: 14, members: [101, 102] }],
  leads: [
    { id: 101, updatedAt: '2026-09-14T08:00:00Z', fields: { email: 'ann.lee@example.com', firstName: 'Ann', lastName: 'Lee', company: 'Acme', city: 'Chicago' } },
    { id: 102, updatedAt: '2026-10-02T12:30:00Z', fields: { email: 'raj.patel@example.com', firstName: 'Raj', lastName: 'Patel', company: 'Globex' } },
    // Carla exists twice: the EMEA lead was updated more recently, so it is the one to update.
    { id: 103, updatedAt: '2025-12-01T09:00:00Z', fields: { email: 'carla.gomez@example.com', firstName: 'Carla', lastName: 'Gomez', company: 'Initech' } },
    { id: 203, partition: 'EMEA', updatedAt: '2026-08-20T16:45:00Z', fields: { email: 'Carla.Gomez@example.com', firstName: 'Carla', lastName: 'Gómez', company: 'Initech EU' } },
    { id: 104, updatedAt: '2026-03-03T10:00:00Z', fields: { email: 'li.wei@example.com', firstName: 'Li', lastName: 'Wei', externalCustomerId: 'C-1004' } },
    { id: 304, partition: 'APAC', updatedAt: '2026-07-07T07:07:00Z', fields: { email: 'li.wei@example.com', firstName: 'Wei', lastName: 'Li', externalCustomerId: 'C-1004' } },
    { id: 205, partition: 'EMEA', updatedAt: '2026-05-19T11:11:00Z', fields: { email: 'omar.haddad@example.com', firstName: 'Omar', lastName: 'Haddad', country: 'Morocco' } },
    { id: 106, updatedAt: '2026-11-01T18:00:00Z', fields: { email: 'jo.smith@example.com', firstName: 'Jo', lastName: 'Smith', leadScore: 42 } },
  ],
};
