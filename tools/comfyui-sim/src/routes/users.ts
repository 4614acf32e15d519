/** Single-user storage routes: `/users`, `/settings` and a basic `/userdata`. */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

import { parsePyJson } from "../py/parse.js";
import { pyJsonDumps } from "../py/format.js";
import { PyError, dict, isDict, type PyDict, type PyValue } from "../py/value.js";
import type { AppContext, RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { bytes, empty, json, text, type SimResponse } from "../server/respond.js";

// NOTE: `--multi-user` is accepted, but every request uses the `default` user.
function userRoot(app: AppContext): string {
  return path.join(app.folders.userDir, "default");
}

function settingsFile(app: AppContext): string {
  return path.join(userRoot(app), "comfy.settings.json");
}

function readSettings(app: AppContext): PyDict {
  try {
    const parsed = parsePyJson(readFileSync(settingsFile(app), "utf8"));
    return isDict(parsed) ? parsed : new Map();
  } catch {
    return new Map();
  }
}

function writeSettings(app: AppContext, settings: PyDict): void {
  mkdirSync(userRoot(app), { recursive: true });
  writeFileSync(settingsFile(app), pyJsonDumps(settings));
}

async function postSettings(request: SimRequest, _params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  const body = await request.json();
  if (!isDict(body)) {
    throw new PyError("ValueError", "dictionary update sequence element #0 has length 1; 2 is required");
  }
  const settings = readSettings(app);
  for (const [key, value] of body) {
    settings.set(key, value);
  }
  writeSettings(app, settings);
  return empty(200);
}

async function postSetting(request: SimRequest, params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  const value: PyValue = await request.json();
  const settings = readSettings(app);
  settings.set(params.id ?? "", value);
  writeSettings(app, settings);
  return empty(200);
}

/** Resolves a user-relative path, or null when it escapes the user folder. */
function userPath(app: AppContext, relative: string): string | null {
  const root = userRoot(app);
  const full = path.resolve(root, relative);
  return full === root || full.startsWith(root + path.sep) ? full : null;
}

function listUserdata(request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  const dir = request.query.get("dir");
  if (dir === null) {
    return empty(400);
  }
  const root = userPath(app, dir);
  if (root === null) {
    return empty(403);
  }
  if (!existsSync(root)) {
    return empty(404);
  }
  const recurse = request.query.get("recurse") === "true";
  const fullInfo = request.query.get("full_info") === "true";
  const found: string[] = [];
  const walk = (current: string, prefix: string): void => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      const relative = prefix === "" ? name : `${prefix}/${name}`;
      if (statSync(full).isDirectory()) {
        if (recurse) {
          walk(full, relative);
        }
      } else {
        found.push(relative);
      }
    }
  };
  walk(root, "");
  if (!fullInfo) {
    return json(found);
  }
  return json(
    found.map((relative) => {
      const stat = statSync(path.join(root, relative));
      return dict([["path", relative], ["size", stat.size], ["modified", stat.mtimeMs / 1000], ["created", stat.ctimeMs / 1000]]);
    }),
  );
}

function getUserFile(_request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const file = userPath(app, params.file ?? "");
  if (file === null) {
    return empty(403);
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    return empty(404);
  }
  return bytes(readFileSync(file), "application/octet-stream");
}

async function postUserFile(request: SimRequest, params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  const relative = params.file ?? "";
  const file = userPath(app, relative);
  if (file === null) {
    return empty(403);
  }
  if (request.query.get("overwrite") === "false" && existsSync(file)) {
    return text("File already exists", 409);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await request.body());
  return json(relative);
}

function deleteUserFile(_request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const file = userPath(app, params.file ?? "");
  if (file === null) {
    return empty(403);
  }
  if (!existsSync(file)) {
    return empty(404);
  }
  rmSync(file);
  return empty(204);
}

export const userRoutes: RouteDef[] = [
  { method: "GET", path: "/users", handler: (_request, _params, app) => json(dict([["storage", "server"], ["migrated", existsSync(userRoot(app))]])) },
  { method: "GET", path: "/settings", handler: (_request, _params, app) => json(readSettings(app)) },
  { method: "GET", path: "/settings/{id}", handler: (_request, params, app) => json(readSettings(app).get(params.id ?? "") ?? null) },
  { method: "POST", path: "/settings", handler: postSettings },
  { method: "POST", path: "/settings/{id}", handler: postSetting },
  { method: "GET", path: "/userdata", handler: listUserdata },
  { method: "GET", path: "/userdata/{file}", handler: getUserFile },
  { method: "POST", path: "/userdata/{file}", handler: postUserFile },
  { method: "DELETE", path: "/userdata/{file}", handler: deleteUserFile },
];
