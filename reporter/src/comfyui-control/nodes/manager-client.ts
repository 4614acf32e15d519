/**
 * Queuing custom-node actions through ComfyUI-Manager. Legacy: one POST route per action,
 * then `queue/start` (GET before 3.40). v4: one `queue/task` route with a `kind`, then `queue/start`.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import type { ManagerFlavour } from "@comfycarry/shared";

import { rejectionText } from "./refusals.js";
import { plainFetch } from "../../http/plain-fetch.js";
import type { PlainResponse } from "../../http/plain-fetch.js";

export type NodeAction = "install" | "update" | "enable" | "disable" | "uninstall" | "switch_version";

/** Manager's record of an installed pack (`/customnode/installed`). */
export interface ManagerPack {
  ver: string;
  cnr_id: string;
  aux_id: string | null;
  enabled: boolean;
}

/** A registry entry from the node list, enough to build an install body. */
export interface ListedPack {
  id: string;
  repository: string | null;
  version: string | null;
}

export interface ActionRequest {
  action: NodeAction;
  uiId: string;
  clientId: string;
  /** Folder name when installed, else the registry id. */
  name: string;
  installed: ManagerPack | null;
  listed: ListedPack | null;
  repository: string | null;
  version: string | null;
}

export class ManagerClient {
  constructor(
    readonly baseUrl: string,
    readonly flavour: Exclude<ManagerFlavour, "none">,
  ) {}

  get #prefix(): string {
    return this.flavour === "v4" ? "/api/v2" : "/api";
  }

  async installed(mode: "default" | "imported"): Promise<Record<string, ManagerPack>> {
    return (await this.#json(`${this.#prefix}/customnode/installed?mode=${mode}`)) as Record<string, ManagerPack>;
  }

  /** Queues one action and starts the worker. */
  async queue(request: ActionRequest): Promise<void> {
    if (this.flavour === "v4") {
      await this.#post("/api/v2/manager/queue/task", { ui_id: request.uiId, client_id: request.clientId, kind: v4Kind(request.action), params: v4Params(request) });
      await this.#post("/api/v2/manager/queue/start", undefined);
      return;
    }
    const route = request.action === "install" || request.action === "enable" || request.action === "switch_version" ? "install" : request.action;
    await this.#post(`/api/manager/queue/${route}`, legacyBody(request));
    if (this.flavour === "legacy-get") {
      await this.#request("GET", "/api/manager/queue/start", undefined);
    } else {
      await this.#post("/api/manager/queue/start", undefined);
    }
  }

  async #json(path: string): Promise<unknown> {
    const response = await this.#request("GET", path, undefined);
    return response.json();
  }

  #post(path: string, body: unknown): Promise<PlainResponse> {
    return this.#request("POST", path, body);
  }

  async #request(method: string, path: string, body: unknown): Promise<PlainResponse> {
    let response: PlainResponse;
    try {
      response = await plainFetch(`${this.baseUrl}${path}`, {
        method,
        // Manager rejects text and form content types on body-less POSTs, so none is sent then.
        headers: body === undefined ? {} : { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI-Manager did not respond to ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, { path });
    }
    if (response.status >= 400) {
      const text = (await response.text()).slice(0, 500);
      const rejection = rejectionText(response.status, text);
      throw new ComfyCarryError("command_failed", rejection ?? `ComfyUI-Manager answered ${method} ${path} with HTTP ${response.status}: ${text}`, { path, status: response.status, rejected: rejection !== null });
    }
    return response;
  }
}

function v4Kind(action: NodeAction): string {
  return action === "switch_version" ? "install" : action;
}

function v4Params(request: ActionRequest): Record<string, unknown> {
  const unknown = request.installed !== null && request.installed.cnr_id === "";
  switch (request.action) {
    case "install":
    case "switch_version":
      return { id: request.listed?.id ?? request.installed?.cnr_id ?? request.name, version: request.listed?.version ?? "nightly", selected_version: request.version ?? "latest", mode: "cache", channel: "default", repository: request.repository };
    case "uninstall":
    case "disable":
      return { node_name: request.name, is_unknown: unknown };
    case "enable":
      return { cnr_id: request.installed?.cnr_id || request.name };
    case "update":
      return { node_name: request.name, node_ver: request.installed?.ver ?? "unknown" };
  }
}

function legacyBody(request: ActionRequest): Record<string, unknown> {
  const files = request.repository === null ? [] : [request.repository];
  const registered = request.listed !== null || (request.installed !== null && request.installed.cnr_id !== "");
  const id = request.listed?.id ?? (request.installed?.cnr_id || request.name);
  const version = registered ? (request.installed?.ver ?? request.listed?.version ?? "nightly") : "unknown";
  if (request.action === "install" || request.action === "enable" || request.action === "switch_version") {
    return {
      id,
      version,
      selected_version: request.version ?? "latest",
      channel: "default",
      mode: "cache",
      ui_id: request.uiId,
      skip_post_install: request.action === "enable",
      repository: request.repository,
      files,
    };
  }
  return { id, version, ui_id: request.uiId, files };
}
