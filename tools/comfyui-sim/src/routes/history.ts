/** `/history`: finished prompts, oldest first. */
import type { HistoryEntry } from "../exec/queue.js";
import { itemTuple } from "../exec/queue.js";
import { toPyBool } from "../py/convert.js";
import { pyStr } from "../py/format.js";
import { PyError, dict, isDict, type PyDict } from "../py/value.js";
import type { AppContext, RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { empty, json, type SimResponse } from "../server/respond.js";

/** Serialises one history entry with ComfyUI's keys. */
export function historyEntryValue(entry: HistoryEntry): PyDict {
  return dict([
    ["prompt", itemTuple(entry.item)],
    ["outputs", entry.outputs],
    [
      "status",
      dict([
        ["status_str", entry.status.statusStr],
        ["completed", entry.status.completed],
        ["messages", entry.status.messages.map(([event, data]) => [event, data])],
      ]),
    ],
    ["meta", entry.meta],
  ]);
}

function parseIntQuery(value: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(value)) {
    throw new PyError("ValueError", `invalid literal for int() with base 10: '${value}'`);
  }
  return Number.parseInt(value, 10);
}

function getHistory(request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  const maxRaw = request.query.get("max_items");
  const maxItems = maxRaw === null ? null : parseIntQuery(maxRaw);
  let offset = parseIntQuery(request.query.get("offset") ?? "-1");
  const history = app.queue.history;
  if (offset < 0 && maxItems !== null) {
    offset = history.size - maxItems;
  }
  const out: PyDict = new Map();
  let index = 0;
  for (const [promptId, entry] of history) {
    if (index >= offset) {
      out.set(promptId, historyEntryValue(entry));
      if (maxItems !== null && out.size >= maxItems) {
        break;
      }
    }
    index += 1;
  }
  return json(out);
}

function getHistoryEntry(_request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const promptId = params.prompt_id ?? "";
  const entry = app.queue.history.get(promptId);
  return json(entry === undefined ? new Map() : dict([[promptId, historyEntryValue(entry)]]));
}

async function postHistory(request: SimRequest, _params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  const body = await request.json();
  if (!isDict(body)) {
    throw new PyError("TypeError", "argument of type 'list' is not iterable");
  }
  if (body.has("clear") && toPyBool(body.get("clear") ?? null)) {
    app.queue.history.clear();
  }
  const toDelete = body.get("delete");
  if (Array.isArray(toDelete)) {
    for (const id of toDelete) {
      app.queue.history.delete(pyStr(id));
    }
  }
  return empty(200);
}

export const historyRoutes: RouteDef[] = [
  { method: "GET", path: "/history", handler: getHistory },
  { method: "GET", path: "/history/{prompt_id}", handler: getHistoryEntry },
  { method: "POST", path: "/history", handler: postHistory },
];
