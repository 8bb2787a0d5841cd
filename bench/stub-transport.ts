import type { HttpRequest, HttpResponse, HttpTransport } from '../src/marketo/transport.js';

/**
 * An in-process stand-in for Marketo that answers at once, so the CPU benchmark measures the
 * plugin alone: every lookup finds nobody (every profile is created), every write succeeds,
 * every list change is accepted. It still decodes what the plugin sends, as a server would.
 */
export class InstantMarketo implements HttpTransport {
  calls = 0;
  private nextId = 1;

  async send(request: HttpRequest): Promise<HttpResponse> {
    this.calls++;
    const path = new URL(request.url).pathname;
    if (path === '/identity/oauth/token') return reply({ access_token: 'bench-token-0001', expires_in: 3600 });
    if (path.endsWith('/describe2.json')) return reply(envelope([{ name: 'API Lead', searchableFields: [['email']], fields: FIELDS }]));
    if (path.endsWith('/partitions.json')) return reply(envelope([{ id: 1, name: 'Default' }]));
    if (path.endsWith('/workspaces.json')) return reply([{ id: 1, name: 'Default' }]);
    if (path.endsWith('/staticList/byName.json')) return reply(envelope([{ id: 1000 + this.calls, name: String(request.query?.name) }]));
    if (path === '/rest/v1/leads.json' && (request.method === 'GET' || request.query?._method === 'GET')) return reply(envelope([]));
    const input = (JSON.parse(JSON.stringify(request.json ?? {})) as { input?: unknown[]; action?: string }).input ?? [];
    if (path === '/rest/v1/leads.json') return reply(envelope(input.map(() => ({ id: this.nextId++, status: 'created' }))));
    return reply(envelope(input.map((r) => ({ id: (r as { id: number }).id, status: request.method === 'DELETE' ? 'removed' : 'added' }))));
  }

  close(): void {}
}

const FIELDS = [
  { name: 'email', displayName: 'Email', dataType: 'email', length: 255, updateable: true },
  { name: 'firstName', displayName: 'First Name', dataType: 'string', length: 255, updateable: true },
  { name: 'lastName', displayName: 'Last Name', dataType: 'string', length: 255, updateable: true },
  { name: 'leadScore', displayName: 'Lead Score', dataType: 'integer', updateable: true },
];

function envelope(result: unknown[]) {
  return { requestId: 'bench', success: true, result };
}

function reply(data: unknown): HttpResponse {
  return { status: 200, data };
}
