import { injectable } from 'inversify';
import { InvalidRequestError } from '../errors.js';
import type { MarketoTarget } from '../marketo/target.js';
import type { DestinationConfig } from '../types.js';
import type { InstanceSnapshot } from './instance.js';

export interface Connection {
  id: string;
  config: DestinationConfig;
  target: MarketoTarget;
  instance: InstanceSnapshot;
  workspaceName: string;
}

/** The live connections of this plugin instance. */
@injectable()
export class ConnectionRegistry {
  private readonly connections = new Map<string, Connection>();

  add(connection: Connection): void {
    this.connections.set(connection.id, connection);
  }

  get(connectionId: unknown): Connection {
    const connection = typeof connectionId === 'string' ? this.connections.get(connectionId) : undefined;
    if (!connection) {
      throw new InvalidRequestError(
        'UNKNOWN_CONNECTION',
        `No open connection has the id ${JSON.stringify(connectionId)}: call connect() first (or again after teardown).`,
      );
    }
    return connection;
  }

  find(connectionId: unknown): Connection | undefined {
    return typeof connectionId === 'string' ? this.connections.get(connectionId) : undefined;
  }

  remove(connectionId: string): void {
    this.connections.delete(connectionId);
  }

  ids(): string[] {
    return [...this.connections.keys()];
  }
}
