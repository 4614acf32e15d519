/** The frontend's log routes under `/internal` (no `/api` twin). */
import { simConsole } from "../log/logger.js";
import { pyStr } from "../py/format.js";
import { PyError, dict, isDict } from "../py/value.js";
import { toPyBool } from "../py/convert.js";
import type { AppContext, RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { empty, json, type SimResponse } from "../server/respond.js";

function terminalSize(): { cols: number; rows: number } {
  const stream = process.stderr;
  return stream.isTTY ? { cols: stream.columns, rows: stream.rows } : { cols: 80, rows: 24 };
}

function getLogs(): SimResponse {
  return json(simConsole.buffer.entries.map((entry) => `${entry.t} - ${entry.m}`).join(""));
}

function getRawLogs(): SimResponse {
  const entries = simConsole.buffer.entries.map((entry) => dict([["t", entry.t], ["m", entry.m]]));
  const size = terminalSize();
  return json(dict([["entries", entries], ["size", dict([["cols", size.cols], ["rows", size.rows]])]]));
}

async function subscribe(request: SimRequest, _params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  const body = await request.json();
  if (!isDict(body)) {
    throw new PyError("TypeError", "list indices must be integers or slices, not str");
  }
  const enabled = body.get("enabled");
  const clientId = body.get("clientId");
  if (enabled === undefined) {
    throw new PyError("KeyError", "'enabled'");
  }
  if (clientId === undefined) {
    throw new PyError("KeyError", "'clientId'");
  }
  app.hub.setLogSubscription(pyStr(clientId), toPyBool(enabled));
  return empty(200);
}

export const logRoutes: RouteDef[] = [
  { method: "GET", path: "/internal/logs", handler: getLogs, internal: true },
  { method: "GET", path: "/internal/logs/raw", handler: getRawLogs, internal: true },
  { method: "PATCH", path: "/internal/logs/subscribe", handler: subscribe, internal: true },
];
