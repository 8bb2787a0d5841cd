import { inject, injectable } from 'inversify';
import { CallMeter, MarketoClient } from '../client.js';
import type { MarketoTarget } from '../target.js';

/** A lead field as describe2 reports it. */
export interface LeadField {
  name: string;
  displayName: string;
  dataType: string;
  length?: number;
  updateable: boolean;
  crmManaged?: boolean;
}

export interface LeadSchema {
  fields: LeadField[];
  /** Each entry is one searchable key; composite keys have several field names. */
  searchableFields: string[][];
}

export interface LeadPartition {
  id: number;
  name: string;
  description?: string;
}

interface Describe2Result {
  name?: string;
  searchableFields?: string[][];
  fields?: Array<Partial<LeadField> & { name: string }>;
}

/** Lead Database metadata: the lead schema (describe2) and the lead partitions. */
@injectable()
export class LeadSchemaApi {
  constructor(@inject(MarketoClient) private readonly client: MarketoClient) {}

  async describe(target: MarketoTarget, meter?: CallMeter): Promise<LeadSchema> {
    const envelope = await this.client.call<Describe2Result>(target, {
      method: 'GET',
      path: '/rest/v1/leads/describe2.json',
      ...(meter && { meter }),
    });
    const lead = envelope.result[0] ?? {};
    return {
      fields: (lead.fields ?? []).map((f) => ({
        name: f.name,
        displayName: f.displayName ?? f.name,
        dataType: f.dataType ?? 'string',
        ...(typeof f.length === 'number' && { length: f.length }),
        updateable: f.updateable === true,
        ...(f.crmManaged !== undefined && { crmManaged: f.crmManaged }),
      })),
      searchableFields: lead.searchableFields ?? [],
    };
  }

  async partitions(target: MarketoTarget, meter?: CallMeter): Promise<LeadPartition[]> {
    const envelope = await this.client.call<LeadPartition>(target, {
      method: 'GET',
      path: '/rest/v1/leads/partitions.json',
      ...(meter && { meter }),
    });
    return envelope.result.map((p) => ({ id: p.id, name: p.name, ...(p.description && { description: p.description }) }));
  }
}
