/** `GET /prompt` and `POST /prompt`: queue size, and validating and queueing a prompt. */
import { randomUUID } from "node:crypto";

import { simConsole } from "../log/logger.js";
import { toPyFloat } from "../py/convert.js";
import { pyRepr, pyStr } from "../py/format.js";
import { PyError, PyFloat, dict, isDict, type PyDict } from "../py/value.js";
import { validatePrompt } from "../prompt/validate.js";
import type { AppContext, RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { json, type SimResponse } from "../server/respond.js";

export function queueInfo(app: AppContext): PyDict {
  return dict([["exec_info", dict([["queue_remaining", app.queue.remaining()]])]]);
}

async function postPrompt(request: SimRequest, _params: Record<string, string>, app: AppContext): Promise<SimResponse> {
  simConsole.info("got prompt");
  const body = await request.json();
  if (!isDict(body)) {
    throw new PyError("TypeError", "argument of type 'list' is not iterable");
  }

  // The counter moves on every POST without `number`, even when validation then fails.
  let number: number | PyFloat;
  const explicit = body.get("number");
  if (explicit !== undefined) {
    number = toPyFloat(explicit);
  } else {
    number = app.promptCounter.next;
    const front = body.get("front");
    if (front !== undefined && front !== null && front !== false && front !== 0 && front !== "") {
      number = -number;
    }
    app.promptCounter.next += 1;
  }

  const prompt = body.get("prompt");
  if (prompt === undefined) {
    const error = dict([
      ["type", "no_prompt"],
      ["message", "No prompt provided"],
      ["details", "No prompt provided"],
      ["extra_info", new Map()],
    ]);
    return json(dict([["error", error], ["node_errors", new Map()]]), 400);
  }

  const suppliedId = body.get("prompt_id");
  const promptId = suppliedId === undefined ? randomUUID() : pyStr(suppliedId);
  const result = validatePrompt(prompt, body.get("partial_execution_targets"), app.registry);
  const extraDataRaw = body.get("extra_data");
  const extraData: PyDict = isDict(extraDataRaw) ? extraDataRaw : new Map();
  const clientId = body.get("client_id");
  if (clientId !== undefined) {
    extraData.set("client_id", clientId);
  }

  if (!result.ok || !isDict(prompt)) {
    simConsole.warning(`invalid prompt: ${pyRepr(result.error)}`);
    return json(dict([["error", result.error], ["node_errors", result.nodeErrors]]), 400);
  }
  extraData.set("create_time", Date.now());
  app.queue.put({ number, promptId, prompt, extraData, outputs: result.goodOutputs });
  return json(dict([["prompt_id", promptId], ["number", number], ["node_errors", result.nodeErrors]]));
}

export const promptRoutes: RouteDef[] = [
  { method: "GET", path: "/prompt", handler: (_request, _params, app) => json(queueInfo(app)) },
  { method: "POST", path: "/prompt", handler: postPrompt },
];
