/** The legacy (custom node) Manager routes: per-action queue routes, GET forms before 3.40. */
import { simConsole } from "../log/logger.js";
import type { Dumpable } from "../py/format.js";
import type { RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { empty, json, text, type SimResponse } from "../server/respond.js";
import { auxId, repoName } from "./catalog.js";
import { SECURITY_TEXT, contentTypeRefusal, jsonBody, str } from "./body.js";
import { commonRoutes } from "./routes-common.js";
import type { ManagerState } from "./state.js";
import type { TaskKind } from "./worker.js";

function refusedResponse(state: ManagerState): SimResponse | null {
  const refused = state.gate.middle();
  if (refused === null) {
    return null;
  }
  simConsole.error(refused.log);
  return refused.reason === "comfyui_outdated" ? json({ error: "comfyui_outdated" }, 403) : text(SECURITY_TEXT, 403);
}

/** The pack a body names: `files[0]` for unknown packs, else the registry id. */
function targetOf(body: Record<string, unknown>): string | null {
  const files = Array.isArray(body.files) ? body.files : [];
  return body.version === "unknown" ? str(files[0]) : (str(body.id) ?? str(files[0]));
}

function queueAction(state: ManagerState, kind: TaskKind, gated: boolean): (request: SimRequest) => Promise<SimResponse> {
  return async (request) => {
    const refused = gated ? refusedResponse(state) : null;
    if (refused !== null) {
      return refused;
    }
    const body = await jsonBody(request);
    const target = targetOf(body);
    if (target === null) {
      return text(`Invalid request: neither id nor files given`, 400);
    }
    const uiId = str(body.ui_id) ?? target;

    if (kind === "install") {
      const installed = await state.packs.find(target);
      // Enabling a disabled pack is an install with skip_post_install, handled at once.
      if (installed !== null && !installed.enabled && body.skip_post_install === true) {
        state.packs.setEnabled(installed, true);
        state.worker.history.set(uiId, { ui_id: uiId, client_id: null, kind: "enable", timestamp: "", result: "success", status: { status_str: "success", completed: true, messages: [] }, params: {} });
        simConsole.info(`[ComfyUI-Manager] enabled '${installed.folder}'`);
        return empty();
      }
      if (state.packs.entryFor(target) === null && !(state.gate.settings.allowGitUrlInstall && state.gate.loopback)) {
        simConsole.error(`ERROR: '${target}' is not in the channel list; installing it needs allow_git_url_install = True and a loopback --listen`);
        return text(SECURITY_TEXT, 404);
      }
    }

    const selected = str(body.selected_version);
    const version = kind === "install" ? (selected === null || selected === "latest" ? null : selected) : null;
    state.worker.enqueue({ uiId, clientId: null, kind: kind === "install" && version !== null && (await state.packs.find(target)) !== null ? "switch" : kind, target, version, params: {}, gate: null });
    return empty();
  };
}

function queueControl(state: ManagerState, action: "start" | "reset"): (request: SimRequest) => SimResponse {
  return (request) => {
    if (request.method === "POST") {
      const refused = contentTypeRefusal(request);
      if (refused !== null) {
        return refused;
      }
    }
    if (action === "reset") {
      state.worker.reset();
      return empty();
    }
    return empty(state.worker.start() ? 200 : 201);
  };
}

async function getList(state: ManagerState): Promise<SimResponse> {
  const installed = await state.packs.list();
  const packs: Record<string, Dumpable> = {};
  for (const entry of state.catalog) {
    const pack = installed.find((candidate) => candidate.entry?.id === entry.id);
    const version = pack?.tag?.replace(/^v/, "") ?? (pack === undefined ? "unknown" : "nightly");
    packs[entry.id] = {
      author: entry.author,
      title: entry.title,
      id: entry.id,
      reference: entry.reference,
      repository: entry.files[0] ?? entry.reference,
      files: entry.files,
      install_type: "git-clone",
      description: entry.description,
      state: pack === undefined ? "not-installed" : pack.enabled ? "enabled" : "disabled",
      version,
      "update-state": "false",
      stars: entry.stars,
      last_update: entry.lastUpdate,
      trust: true,
    };
  }
  for (const pack of installed.filter((candidate) => candidate.entry === null)) {
    packs[pack.folder] = { author: auxId(pack.url).split("/")[0] ?? "", title: repoName(pack.url), reference: pack.url, repository: pack.url, files: [pack.url], install_type: "git-clone", description: "", state: pack.enabled ? "enabled" : "disabled", version: "unknown", stars: -1, last_update: -1, trust: false };
  }
  return json({ channel: "default", node_packs: packs });
}

export function legacyRoutes(state: ManagerState, getRoutes: boolean): RouteDef[] {
  const controlMethod = getRoutes ? "GET" : "POST";
  return [
    ...commonRoutes(state, "", controlMethod),
    { method: "GET", path: "/customnode/getlist", handler: () => getList(state) },
    { method: "POST", path: "/manager/queue/install", handler: queueAction(state, "install", true) },
    { method: "POST", path: "/manager/queue/uninstall", handler: queueAction(state, "uninstall", true) },
    { method: "POST", path: "/manager/queue/update", handler: queueAction(state, "update", true) },
    { method: "POST", path: "/manager/queue/disable", handler: queueAction(state, "disable", false) },
    { method: controlMethod, path: "/manager/queue/start", handler: queueControl(state, "start") },
    { method: controlMethod, path: "/manager/queue/reset", handler: queueControl(state, "reset") },
    { method: "GET", path: "/manager/queue/status", handler: () => json(state.worker.status()) },
  ];
}
