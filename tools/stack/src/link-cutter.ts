import { createServer, connect, type Server, type Socket } from "node:net";

interface RelayedConnection {
  client: Socket;
  upstream: Socket;
  /** When set, bytes from the client are dropped instead of forwarded. */
  held: boolean;
}

/**
 * A TCP relay between the reporter and the edge that a test can cut, the way a flaky
 * network would. While upstream is held, bytes from the reporter are dropped, so the edge
 * still sends commands but never hears their results.
 */
export class LinkCutter {
  private readonly connections = new Set<RelayedConnection>();
  private readonly server: Server;
  private listeningPort = 0;

  private constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.relay(client));
  }

  /** Starts a relay on a free 127.0.0.1 port that forwards to `targetPort` on 127.0.0.1. */
  static async start(targetPort: number): Promise<LinkCutter> {
    const cutter = new LinkCutter(targetPort);
    await new Promise<void>((resolveListen) => cutter.server.listen(0, "127.0.0.1", resolveListen));
    const address = cutter.server.address();
    if (address === null || typeof address === "string") {
      throw new Error("could not read the relay's port");
    }
    cutter.listeningPort = address.port;
    return cutter;
  }

  get port(): number {
    return this.listeningPort;
  }

  private relay(client: Socket): void {
    const connection: RelayedConnection = { client, upstream: connect(this.targetPort, "127.0.0.1"), held: false };
    this.connections.add(connection);

    client.on("data", (chunk) => {
      if (!connection.held) {
        connection.upstream.write(chunk);
      }
    });
    connection.upstream.pipe(client);

    const drop = (): void => {
      this.connections.delete(connection);
      client.destroy();
      connection.upstream.destroy();
    };
    for (const socket of [client, connection.upstream]) {
      socket.on("close", drop);
      socket.on("error", drop);
    }
  }

  /** Drops everything the reporter sends on the open connections from now on. */
  holdUpstream(): void {
    for (const connection of this.connections) {
      connection.held = true;
    }
  }

  /** Closes every open connection; new connections pass freely. */
  cutAll(): void {
    for (const connection of this.connections) {
      connection.client.destroy();
      connection.upstream.destroy();
    }
    this.connections.clear();
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolveClose) => this.server.close(() => resolveClose()));
  }
}
