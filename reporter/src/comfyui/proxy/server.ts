import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import { WebSocketServer } from "ws";

import type { Logger } from "../../log/logger.js";
import type { GatePrompt } from "../../workflows/on-demand/http-gate.js";
import { forwardThroughGate } from "./gated-forward.js";
import { forwardRawUpgrade } from "./http-forward.js";
import { relayComfyuiSocket } from "./ws-relay.js";

export interface ComfyuiProxyOptions {
  /** ComfyUI's base URL, e.g. http://127.0.0.1:8188. */
  target: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  log: Logger;
  /** Receives every text frame ComfyUI sends down a relayed socket, and the graph of every prompt queued through the proxy. */
  observe: (text: string, source: string) => void;
  /** The on-demand model gate for `POST /prompt`. Without it, prompts are forwarded unchecked. */
  gate?: GatePrompt | null;
}

/** ComfyUI serves its socket at /ws and, like every route, at /api/ws. */
const COMFYUI_SOCKET_PATHS = new Set(["/ws", "/api/ws"]);

/**
 * Reverse proxy in front of ComfyUI for browsers and API clients. HTTP is streamed
 * through; ComfyUI's /ws is relayed frame by frame so the bridge receives what ComfyUI sends
 * to every client, including per-prompt frames that reach only the queuing socket.
 */
export class ComfyuiProxy {
  readonly #options: ComfyuiProxyOptions;
  readonly #target: URL;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  #nextSocket = 1;

  constructor(options: ComfyuiProxyOptions) {
    this.#options = options;
    this.#target = new URL(options.target);
    this.#log = options.log.child({ component: "comfyui-proxy" });
    const forward = { target: this.#target, log: this.#log, observe: options.observe, gate: options.gate ?? null };
    this.#server = createServer((request, response) => forwardThroughGate(request, response, forward));

    this.#server.on("upgrade", (request, socket, head) => {
      socket.on("error", (error) => this.#log.debug({ err: error }, "client socket error during upgrade"));
      const path = new URL(request.url ?? "/", "http://proxy.invalid").pathname;
      if (!COMFYUI_SOCKET_PATHS.has(path)) {
        forwardRawUpgrade(request, socket, head, this.#target, this.#log);
        return;
      }
      relayComfyuiSocket(request, socket, head, {
        target: this.#target,
        server: this.#sockets,
        log: this.#log,
        observe: this.#options.observe,
        source: `proxy:${this.#nextSocket++}`,
      });
    });
  }

  /** Starts listening on 127.0.0.1 and returns the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    const port = this.port;
    this.#log.info({ port, target: this.#target.origin }, `ComfyUI proxy listening on http://127.0.0.1:${port}`);
    return port;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Closes relayed sockets and stops listening. */
  async close(): Promise<void> {
    for (const client of this.#sockets.clients) {
      client.terminate();
    }
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
