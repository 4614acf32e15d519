import { comfyuiLevel } from "../../lib/levels";

import type { Level } from "../../lib/levels";
import type { InstanceSummary } from "@comfycarry/shared";

/** Returns an instance's colour in the fleet: red when its reporter is offline, else its ComfyUI state's colour. */
export function instanceLevel(instance: InstanceSummary): Level {
  if (!instance.online) {
    return "red";
  }
  return instance.snapshot === null ? "neutral" : comfyuiLevel(instance.snapshot.comfyui.state);
}
