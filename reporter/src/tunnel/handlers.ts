import { ComfyCarryError } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import type { TunnelFeature } from "./feature.js";

export type TunnelCommandName =
  | "tunnel.status"
  | "tunnel.configure"
  | "tunnel.start"
  | "tunnel.stop"
  | "tunnel.restart"
  | "tunnel.services.add"
  | "tunnel.services.remove"
  | "tunnel.remove"
  | "tunnel.logs";
export type TunnelHandlers = Pick<CommandHandlers, TunnelCommandName>;

/** The `tunnel.*` commands, served by the running tunnel feature. */
export function createTunnelHandlers(tunnel: TunnelFeature): TunnelHandlers {
  return {
    "tunnel.status": async () => tunnel.view(),
    "tunnel.configure": async (args) => tunnel.configure(args),
    "tunnel.start": async () => tunnel.start(),
    "tunnel.stop": async () => tunnel.stop(),
    "tunnel.restart": async () => tunnel.restart(),
    "tunnel.services.add": async ({ service }) => tunnel.addService(service),
    "tunnel.services.remove": async ({ name }) => tunnel.removeService(name),
    "tunnel.remove": async () => tunnel.remove(),
    "tunnel.logs": async ({ lines }) => ({ lines: tunnel.logLines(lines ?? 200) }),
  };
}

/** Handlers for a reporter built without the tunnel (tests of other parts): each fails with `command_failed`. */
export function unavailableTunnelHandlers(): TunnelHandlers {
  const refuse = (): Promise<never> => Promise.reject(new ComfyCarryError("command_failed", "this reporter runs without the tunnel feature"));
  return {
    "tunnel.status": refuse,
    "tunnel.configure": refuse,
    "tunnel.start": refuse,
    "tunnel.stop": refuse,
    "tunnel.restart": refuse,
    "tunnel.services.add": refuse,
    "tunnel.services.remove": refuse,
    "tunnel.remove": refuse,
    "tunnel.logs": refuse,
  };
}
