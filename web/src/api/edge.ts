import { commandResponseSchema, instanceListSchema } from "@comfycarry/shared/messages";
import { instanceOverviewSchema } from "@comfycarry/shared/overview";
import { z } from "zod";

import { requestEmpty, requestJson } from "./client";

import type { CommandName, CommandRequest } from "@comfycarry/shared";

// The edge's routes as typed functions; the contract is the edge API document and
// the schemas in @comfycarry/shared.

const sessionSchema = z.object({ authenticated: z.literal(true), expires_at: z.string() });

/** Logs in with the owner password; the edge sets the session cookie. */
export function login(password: string) {
  return requestEmpty("POST", "/api/auth/login", { body: { password }, expectUnauthorized: true });
}

/** Ends the session. */
export function logout() {
  return requestEmpty("POST", "/api/auth/logout", { expectUnauthorized: true });
}

/** Asks whether the session cookie is still valid. */
export function fetchSession() {
  return requestJson("GET", "/api/auth/session", sessionSchema, { expectUnauthorized: true });
}

/** Lists every instance with its last snapshot. */
export function fetchInstances() {
  return requestJson("GET", "/api/instances", instanceListSchema);
}

/** Fetches one instance's overview: the last snapshot and the link state. */
export function fetchOverview(instanceId: string) {
  return requestJson("GET", `/api/instances/${encodeURIComponent(instanceId)}/overview`, instanceOverviewSchema);
}

/** Runs a command on the instance and waits for the reporter's result. */
export function postCommand(instanceId: string, name: CommandName, args: unknown) {
  const body: CommandRequest = { name, args };
  return requestJson("POST", `/api/instances/${encodeURIComponent(instanceId)}/commands`, commandResponseSchema, { body });
}

/** Returns the socket URL for an instance's live frames, on the page's own origin. */
export function instanceSocketUrl(instanceId: string, location: Pick<Location, "protocol" | "host"> = window.location): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/api/instances/${encodeURIComponent(instanceId)}/ws`;
}
