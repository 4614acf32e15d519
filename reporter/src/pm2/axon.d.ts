// Type declarations for the two modules PM2 ships inside its package and uses to reach its
// daemon (pm2 7.0.4, modules/). They cover only what daemon-rpc.ts calls.

declare module "pm2/modules/pm2-axon/index.js" {
  import type { EventEmitter } from "node:events";

  /** A request socket: sends messages and routes each reply to its callback. */
  export interface ReqSocket extends EventEmitter {
    /** True while the underlying connection is open. */
    connected?: boolean;
    set(option: "hwm" | "retry timeout" | "retry max timeout", value: number): ReqSocket;
    connect(path: string): ReqSocket;
    close(): void;
  }

  const axon: { socket(type: "req"): ReqSocket };
  export default axon;
}

declare module "pm2/modules/pm2-axon-rpc/index.js" {
  import type { ReqSocket } from "pm2/modules/pm2-axon/index.js";

  export class Client {
    constructor(socket: ReqSocket);
    /** Calls `method` on the daemon; the reply's arguments follow the error in `callback`. */
    call(method: string, argument: unknown, callback: (error: Error | null, result?: unknown) => void): void;
  }

  const rpc: { Client: typeof Client };
  export default rpc;
}
