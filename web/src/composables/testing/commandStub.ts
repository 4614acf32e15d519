import { vi } from "vitest";

import type { CommandName, WireError } from "@comfycarry/shared";

// A stand-in for the edge's command route in unit tests: each command name maps to a
// handler that returns the reporter's result, or a `WireError` to fail with.

/** One request the page sent. */
export interface SentCommand {
  name: CommandName;
  args: Record<string, unknown>;
  deadline_ms: number | undefined;
}

type Handler = (args: Record<string, unknown>) => unknown;

const COMMAND_ID = "5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10";

/** Returns a reporter failure for a handler to return. */
export function failWith(code: WireError["code"], message: string, params?: WireError["params"]): { wireError: WireError } {
  return { wireError: params === undefined ? { code, message } : { code, message, params } };
}

/** Stubs `fetch` with the handlers; a command without one fails the test loudly. */
export function stubCommands(handlers: Partial<Record<CommandName, Handler>>): SentCommand[] {
  const sent: SentCommand[] = [];
  vi.stubGlobal("fetch", (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { name: CommandName; args?: Record<string, unknown>; deadline_ms?: number };
    sent.push({ name: body.name, args: body.args ?? {}, deadline_ms: body.deadline_ms });
    const handler = handlers[body.name];
    if (handler === undefined) {
      return Promise.reject(new Error(`no stub for command ${body.name}`));
    }
    const result = handler(body.args ?? {});
    const payload =
      typeof result === "object" && result !== null && "wireError" in result ? { command_id: COMMAND_ID, ok: false, error: result.wireError } : { command_id: COMMAND_ID, ok: true, data: result };
    return Promise.resolve(new Response(JSON.stringify(payload), { status: 200, headers: { "content-type": "application/json" } }));
  });
  return sent;
}
