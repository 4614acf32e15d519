import { vi } from "vitest";

// A stand-in for the edge's HTTP routes in component tests: each "METHOD /path" maps to a
// status and body, and every request is recorded with its parsed JSON body.

/** A canned response: a status and a JSON body (none for 204). */
export interface FakeReply {
  status: number;
  body?: unknown;
}

/** A request the component sent. */
export interface SentRequest {
  method: string;
  path: string;
  body: unknown;
}

function requestPath(input: RequestInfo | URL): string {
  if (typeof input === "string") {
    return input;
  }
  return input instanceof URL ? input.pathname + input.search : input.url;
}

/** Stubs `fetch` with `routes`; a route missing from the table gets 404 and fails the lookup loudly. */
export function fakeEdge(routes: Record<string, FakeReply | (() => FakeReply)>) {
  const sent: SentRequest[] = [];
  const fetch = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    const path = requestPath(input);
    const method = init?.method ?? "GET";
    const body: unknown = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    sent.push({ method, path, body });

    const route = routes[`${method} ${path}`];
    const reply = typeof route === "function" ? route() : (route ?? { status: 404, body: { error: { code: "not_found", message: `no fake route ${method} ${path}` } } });
    const text = reply.body === undefined ? null : JSON.stringify(reply.body);
    return Promise.resolve(new Response(text, { status: reply.status, headers: { "content-type": "application/json" } }));
  });
  vi.stubGlobal("fetch", fetch);
  return { fetch, sent };
}

/** Clicks the positive button of the open Naive UI dialog. */
export function confirmDialog(): void {
  const button = document.querySelector<HTMLButtonElement>(".n-dialog__action button:last-child");
  if (button === null) {
    throw new Error("no dialog is open");
  }
  button.click();
}
