import type { Level } from "../../lib/levels";
import type { ServiceCommand } from "../../composables/useServiceCommands";
import type { ServiceStatus } from "@comfycarry/shared";

// How a PM2 status reads in the services table: its colour, its i18n key, and which
// buttons make sense in it.

const STATUS_KEYS: Record<ServiceStatus, string> = {
  online: "online",
  stopping: "stopping",
  stopped: "stopped",
  launching: "launching",
  errored: "errored",
  "one-launch-status": "oneLaunch",
  "waiting restart": "waitingRestart",
  unknown: "unknown",
};

/** Returns the i18n key of a PM2 status. */
export function serviceStatusKey(status: ServiceStatus): string {
  return `services.statusValue.${STATUS_KEYS[status]}`;
}

/** Returns the colour of a PM2 status: running green, in transition amber, down or failed red. */
export function serviceLevel(status: ServiceStatus): Level {
  switch (status) {
    case "online":
      return "green";
    case "launching":
    case "stopping":
    case "waiting restart":
      return "amber";
    case "errored":
    case "stopped":
      return "red";
    case "one-launch-status":
    case "unknown":
      return "neutral";
  }
}

/** Returns whether a command makes sense in a status: no start while running, no stop while stopped. */
export function commandAllowed(command: ServiceCommand, status: ServiceStatus): boolean {
  if (command === "service.start") {
    return status !== "online" && status !== "launching";
  }
  if (command === "service.stop") {
    return status !== "stopped" && status !== "stopping";
  }
  return true;
}
