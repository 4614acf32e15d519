/** `/queue`, `/interrupt` and `/free`. */
import { simConsole } from "../log/logger.js";
import { itemTuple } from "../exec/queue.js";
import { PyError, dict, isDict, type PyValue } from "../py/value.js";
import { toPyBool } from "../py/convert.js";
import { pyStr } from "../py/format.js";
import type { AppContext, RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { empty, json, type SimResponse } from "../server/respond.js";

function getQueue(_request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  const running = app.queue.running === null ? [] : [itemTuple(app.queue.running)];
  return json(dict([["queue_running", running], ["queue_pending", app.queue.pending.map(itemTuple)]]));
}

async function postQueue(request: SimRequest, _params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  const body = await request.json();
  if (!isDict(body)) {
    throw new PyError("TypeError", "argument of type 'list' is not iterable");
  }
  if (body.has("clear") && toPyBool(body.get("clear") ?? null)) {
    app.queue.wipe();
  }
  const toDelete = body.get("delete");
  if (Array.isArray(toDelete)) {
    for (const id of toDelete) {
      app.queue.deletePending(pyStr(id));
    }
  }
  return empty(200);
}

async function postInterrupt(request: SimRequest, _params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  let body: PyValue = new Map();
  try {
    body = await request.json();
  } catch (error) {
    // An empty or non-JSON body means a global interrupt, as in ComfyUI.
    if (!(error instanceof PyError)) {
      throw error;
    }
  }
  const promptId = isDict(body) ? body.get("prompt_id") : undefined;
  if (promptId !== undefined && promptId !== null && toPyBool(promptId)) {
    if (app.executor.runningPromptId() === pyStr(promptId)) {
      simConsole.info(`Interrupting prompt ${pyStr(promptId)}`);
      app.executor.interrupt();
    } else {
      simConsole.info(`Prompt ${pyStr(promptId)} is not currently running, skipping interrupt`);
    }
    return empty(200);
  }
  simConsole.info("Global interrupt (no prompt_id specified)");
  app.executor.interrupt();
  return empty(200);
}

async function postFree(request: SimRequest, _params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  const body = await request.json();
  if (!isDict(body)) {
    throw new PyError("AttributeError", "'list' object has no attribute 'get'");
  }
  const unload = body.get("unload_models") ?? false;
  const free = body.get("free_memory") ?? false;
  if (toPyBool(unload)) {
    app.queue.setFlag("unload_models", true);
  }
  if (toPyBool(free)) {
    app.queue.setFlag("free_memory", true);
  }
  return empty(200);
}

export const queueRoutes: RouteDef[] = [
  { method: "GET", path: "/queue", handler: getQueue },
  { method: "POST", path: "/queue", handler: postQueue },
  { method: "POST", path: "/interrupt", handler: postInterrupt },
  { method: "POST", path: "/free", handler: postFree },
];
