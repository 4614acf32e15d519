/** System and catalogue routes: stats, features, node info, model folders and the index page. */
import { statSync } from "node:fs";
import path from "node:path";

import type { SimConfig } from "../config.js";
import { GpuUnavailableError, systemStats } from "../gpu/system-stats.js";
import { simConsole } from "../log/logger.js";
import { describeNodeClass } from "../nodes/core.js";
import { PyError, PyFloat, dict, type PyDict, type PyValue } from "../py/value.js";
import type { AppContext, RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { json, text, type SimResponse } from "../server/respond.js";

const INDEX_HTML = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>ComfyUI</title></head><body><div id=\"vue-app\"></div></body></html>\n";

/** Returns the server's feature flags, as `/features` and the WebSocket `feature_flags` reply carry them. */
export function serverFeatures(config: SimConfig): PyDict {
  const maxUpload: PyValue = config.maxUploadIsFloat ? new PyFloat(config.maxUploadBytes) : config.maxUploadBytes;
  return dict([
    ["supports_preview_metadata", true],
    ["max_upload_size", maxUpload],
  ]);
}

function getSystemStats(_request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  try {
    return json(systemStats(app.config));
  } catch (error) {
    if (error instanceof GpuUnavailableError) {
      // torch raises inside the handler, so aiohttp returns 500.
      throw new PyError("RuntimeError", error.message);
    }
    throw error;
  }
}

function getObjectInfo(_request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  const out: PyDict = new Map();
  for (const nodeClass of app.registry.all()) {
    try {
      out.set(nodeClass.name, describeNodeClass(nodeClass));
    } catch (error) {
      simConsole.error(`[ERROR] An error occurred while retrieving information for the '${nodeClass.name}' node.`);
      simConsole.error(String(error));
    }
  }
  return json(out);
}

function getObjectInfoClass(_request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const nodeClass = app.registry.get(params.node_class ?? "");
  return json(nodeClass === undefined ? new Map() : dict([[nodeClass.name, describeNodeClass(nodeClass)]]));
}

function getModelFolder(_request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const folder = params.folder ?? "";
  if (!app.folders.hasFolder(folder)) {
    return { status: 404, headers: { "Content-Type": "application/octet-stream" }, body: Buffer.alloc(0) };
  }
  return json(app.folders.modelFiles(folder));
}

function getEmbeddings(_request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  return json(app.folders.modelFiles("embeddings").map((file) => file.slice(0, file.length - path.extname(file).length)));
}

function getExperimentModels(_request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  const folders = app.folders
    .folderKeys()
    .filter((key) => key !== "configs" && key !== "custom_nodes")
    .map((key) => dict([["name", key], ["folders", app.folders.folderDirs(key)]]));
  return json(folders);
}

function getExperimentModelFolder(_request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const folder = params.folder ?? "";
  if (!app.folders.hasFolder(folder)) {
    return { status: 404, headers: { "Content-Type": "application/octet-stream" }, body: Buffer.alloc(0) };
  }
  const entries: PyDict[] = [];
  app.folders.folderDirs(folder).forEach((dir, pathIndex) => {
    for (const name of app.folders.modelFiles(folder)) {
      try {
        const stat = statSync(path.join(dir, name));
        entries.push(dict([["name", name], ["pathIndex", pathIndex], ["modified", new PyFloat(stat.mtimeMs / 1000)], ["created", new PyFloat(stat.ctimeMs / 1000)], ["size", stat.size]]));
      } catch {
        // The file lives under another search path of this folder.
      }
    }
  });
  return json(entries);
}

function getFolderPaths(_request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  return json(new Map(app.folders.folderKeys().map((key): [string, PyValue] => [key, app.folders.folderDirs(key)])));
}

export const systemRoutes: RouteDef[] = [
  { method: "GET", path: "/", handler: () => text(INDEX_HTML, 200, "text/html") },
  { method: "GET", path: "/ws", handler: () => text('No WebSocket UPGRADE hdr: None\n Can "Upgrade" only to "WebSocket".', 400) },
  { method: "GET", path: "/system_stats", handler: getSystemStats },
  { method: "GET", path: "/features", handler: (_request, _params, app) => json(serverFeatures(app.config)) },
  { method: "GET", path: "/object_info", handler: getObjectInfo },
  { method: "GET", path: "/object_info/{node_class}", handler: getObjectInfoClass },
  { method: "GET", path: "/embeddings", handler: getEmbeddings },
  { method: "GET", path: "/models", handler: (_request, _params, app) => json(app.folders.folderKeys()) },
  { method: "GET", path: "/models/{folder}", handler: getModelFolder },
  { method: "GET", path: "/extensions", handler: () => json([]) },
  { method: "GET", path: "/i18n", handler: () => json(new Map()) },
  { method: "GET", path: "/workflow_templates", handler: () => json(new Map()) },
  { method: "GET", path: "/experiment/models", handler: getExperimentModels },
  { method: "GET", path: "/experiment/models/{folder}", handler: getExperimentModelFolder },
  { method: "GET", path: "/internal/folder_paths", handler: getFolderPaths, internal: true },
];
