/** The parts of node-marketo-rest (untyped JavaScript) that the client-library test calls. */
declare module 'node-marketo-rest' {
  interface Envelope {
    requestId: string;
    success: boolean;
    result: any[];
    moreResult?: boolean;
    nextPageToken?: string;
    nextPage?: () => Promise<Envelope>;
  }

  export default class Marketo {
    constructor(options: { endpoint: string; identity: string; clientId: string; clientSecret: string; retry?: { maxRetries?: number; initialDelay?: number; maxDelay?: number } });
    getOAuthToken(): Promise<{ access_token: string; token_type: string; expires_in: number; scope: string }>;
    lead: {
      describe(): Promise<Envelope>;
      partitions(): Promise<Envelope>;
      byId(id: number, options?: { fields?: string[] }): Promise<Envelope>;
      find(filterType: string, filterValues: Array<string | number>, options?: { fields?: string[]; batchSize?: number }): Promise<Envelope>;
      createOrUpdate(input: Array<Record<string, unknown>>, options?: { action?: string; lookupField?: string; partitionName?: string }): Promise<Envelope>;
    };
    list: {
      find(options: { id?: number[]; name?: string[]; workspaceName?: string[]; batchSize?: number }): Promise<Envelope>;
      addLeadsToList(listId: number, input: Array<number | { id: number }>): Promise<Envelope>;
      removeLeadsFromList(listId: number, leadIds: number[]): Promise<Envelope>;
      isMember(listId: number, leadIds: number[]): Promise<Envelope>;
      getLeads(listId: number, options?: { fields?: string; batchSize?: number }): Promise<Envelope>;
    };
  }
}
