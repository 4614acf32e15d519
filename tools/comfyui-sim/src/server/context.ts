/** Everything route handlers reach: settings, folders, nodes, queue, executor and sockets. */
import type { SimConfig } from "../config.js";
import type { Executor } from "../exec/executor.js";
import type { PromptQueue } from "../exec/queue.js";
import type { Folders } from "../folders/folders.js";
import type { NodeRegistry } from "../nodes/registry.js";
import type { SocketHub } from "../ws/hub.js";
import type { SimRequest } from "./request.js";
import type { SimResponse } from "./respond.js";

export interface AppContext {
  config: SimConfig;
  folders: Folders;
  registry: NodeRegistry;
  queue: PromptQueue;
  executor: Executor;
  hub: SocketHub;
  /** `PromptServer.number`: the next priority, starting at 0 after each start. */
  promptCounter: { next: number };
}

export type Handler = (request: SimRequest, params: Record<string, string>, app: AppContext) => Promise<SimResponse> | SimResponse;

/** A route on its base path. Every route is also served under `/api` unless `internal` is set. */
export interface RouteDef {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string;
  handler: Handler;
  internal?: boolean;
}
