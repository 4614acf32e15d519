/** Routes both flavours share, under their own prefixes: version, installed list, reboot. */
import { writeFileSync } from "node:fs";

import { simConsole } from "../log/logger.js";
import type { RouteDef } from "../server/context.js";
import { json, text } from "../server/respond.js";
import type { ManagerState } from "./state.js";

/** `__COMFY_CLI_SESSION__` set: touch `<value>.reboot` and exit 0 so the supervisor restarts ComfyUI. */
function reboot(): never {
  const session = process.env.__COMFY_CLI_SESSION__;
  if (session !== undefined && session !== "") {
    writeFileSync(`${session}.reboot`, "");
    simConsole.info("\nRestarting...\n");
  } else {
    // Real Manager replaces the process with os.execv here; the simulator exits 0 instead.
    simConsole.info("\nRestarting... [Legacy Mode]\n");
  }
  process.exit(0);
}

/** Legacy Manager before 3.40 answers reboot on GET, later ones and v4 on POST. */
export function commonRoutes(state: ManagerState, prefix: "" | "/v2", rebootMethod: "GET" | "POST" = "POST"): RouteDef[] {
  return [
    { method: "GET", path: `${prefix}/manager/version`, handler: () => text(state.version) },
    {
      method: "GET",
      path: `${prefix}/customnode/installed`,
      handler: async (request) => json(request.query.get("mode") === "imported" ? await state.imported : await state.installed()),
    },
    {
      method: rebootMethod,
      path: `${prefix}/manager/reboot`,
      handler: () => {
        const refused = state.gate.middle();
        if (refused !== null) {
          simConsole.error(refused.log);
          return json({ error: refused.reason }, 403);
        }
        return reboot();
      },
    },
  ];
}
