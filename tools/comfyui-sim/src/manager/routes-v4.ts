/** The v4 (pip package) Manager routes: one task queue under `/v2`. */
import type { Dumpable } from "../py/format.js";
import type { RouteDef } from "../server/context.js";
import { empty, json, text } from "../server/respond.js";
import { contentTypeRefusal, jsonBody, str } from "./body.js";
import { commonRoutes } from "./routes-common.js";
import type { ManagerState } from "./state.js";
import type { ManagerTask, TaskKind } from "./worker.js";

const KINDS = new Set(["install", "uninstall", "disable", "enable", "update", "fix", "update-comfyui", "install-model"]);

/** Builds a worker task from a `QueueTaskItem`, or returns the validation message. */
async function taskOf(state: ManagerState, body: Record<string, unknown>): Promise<ManagerTask | string> {
  const uiId = str(body.ui_id);
  const clientId = str(body.client_id);
  const kind = str(body.kind);
  const params = (typeof body.params === "object" && body.params !== null ? body.params : {}) as Record<string, unknown>;
  if (uiId === null || clientId === null) {
    return "1 validation error for QueueTaskItem\nui_id and client_id\n  Field required [type=missing]";
  }
  if (kind === null || !KINDS.has(kind)) {
    return `1 validation error for QueueTaskItem\nkind\n  Input should be 'install', 'uninstall', 'update', 'fix', 'disable', 'enable', 'update-comfyui' or 'install-model' [type=enum, input_value='${kind ?? ""}']`;
  }

  const target = str(params.id) ?? str(params.node_name) ?? str(params.cnr_id) ?? str(params.repository);
  if (target === null) {
    return "1 validation error for QueueTaskItem\nparams\n  Field required [type=missing]";
  }
  const selected = str(params.selected_version);
  let taskKind = kind as TaskKind;
  let version: string | null = null;
  if (kind === "install") {
    version = selected === null || selected === "latest" ? null : selected;
    if (version !== null && (await state.packs.find(target)) !== null) {
      taskKind = "switch";
    }
  }
  const gate = kind === "install" ? () => state.gate.middlePlus() : kind === "uninstall" ? () => state.gate.middle() : null;
  return { uiId, clientId, kind: taskKind, target, version, params: params as Dumpable, gate };
}

export function v4Routes(state: ManagerState): RouteDef[] {
  return [
    ...commonRoutes(state, "/v2"),
    { method: "GET", path: "/v2/manager/is_legacy_manager_ui", handler: () => json({ is_legacy_manager_ui: false }) },
    {
      method: "POST",
      path: "/v2/manager/queue/task",
      handler: async (request) => {
        const task = await taskOf(state, await jsonBody(request));
        if (typeof task === "string") {
          return text(`Invalid task data: ${task}`, 400);
        }
        state.worker.enqueue(task);
        return empty();
      },
    },
    {
      method: "POST",
      path: "/v2/manager/queue/start",
      handler: (request) => contentTypeRefusal(request) ?? empty(state.worker.start() ? 200 : 201),
    },
    {
      method: "POST",
      path: "/v2/manager/queue/reset",
      handler: (request) => {
        const refused = contentTypeRefusal(request);
        if (refused !== null) {
          return refused;
        }
        state.worker.reset();
        return empty();
      },
    },
    { method: "GET", path: "/v2/manager/queue/status", handler: () => json(state.worker.status()) },
    {
      method: "GET",
      path: "/v2/manager/queue/history",
      handler: (request) => {
        const uiId = request.query.get("ui_id");
        if (uiId !== null) {
          return json({ history: state.worker.history.get(uiId) ?? {} });
        }
        return json({ history: Object.fromEntries(state.worker.history) });
      },
    },
  ];
}
