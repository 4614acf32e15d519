// The access proxy against the real stack: the edge in workerd signs the ticket, the reporter
// under PM2 fetches the instance's key over HTTP and checks the ticket and API tokens.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { accessTicketResponseSchema, apiTokenCreatedSchema } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Stack, waitFor } from "../src/index.js";

let stack: Stack;
let stateDir: string;
let ownerCookie: string;

/** Logs in to the edge as the owner and returns the session cookie pair. */
async function ownerLogin(): Promise<string> {
  const response = await fetch(`${stack.edge.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: stack.edge.url },
    body: JSON.stringify({ password: stack.password }),
  });
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith("cc_session="));
  if (cookie === undefined) {
    throw new Error(`edge login failed with HTTP ${response.status}`);
  }
  return cookie.split(";")[0] ?? "";
}

/** Asks the edge for a ticket and opens its login path on the proxy; returns the response. */
async function loginThroughTicket(): Promise<Response> {
  const issued = await fetch(`${stack.edge.url}/api/instances/${stack.instanceId}/access-ticket`, {
    method: "POST",
    headers: { cookie: ownerCookie, origin: stack.edge.url },
  });
  const { login_path: loginPath } = accessTicketResponseSchema.parse(await issued.json());
  return fetch(`${stack.accessProxyUrl}${loginPath}`, { redirect: "manual" });
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-access-"));
  stack = await Stack.start({ stateDir, stepMs: 40 });
  ownerCookie = await ownerLogin();
});

afterAll(async () => {
  await stack.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe("access proxy on the stack", () => {
  let proxyCookie = "";

  it("accepts a ticket from the edge", async () => {
    // The reporter fetches the key in the background after it starts, so early tickets may be rejected.
    await waitFor(
      "a ticket login to succeed",
      async () => {
        const response = await loginThroughTicket();
        proxyCookie = response.headers.getSetCookie()[0]?.split(";")[0] ?? "";
        return response.status === 303;
      },
      30_000,
      500,
    );
    expect(proxyCookie.startsWith("cc_proxy_session=")).toBe(true);
  });

  it("serves ComfyUI to the session", async () => {
    const response = await fetch(`${stack.accessProxyUrl}/system_stats`, { headers: { cookie: proxyCookie } });
    expect(response.status).toBe(200);
  });

  it("rejects a request without a session", async () => {
    const response = await fetch(`${stack.accessProxyUrl}/system_stats`);
    expect(response.status).toBe(401);
  });

  it("accepts a control API token checked by the edge", async () => {
    const created = await fetch(`${stack.edge.url}/api/tokens`, {
      method: "POST",
      headers: { cookie: ownerCookie, origin: stack.edge.url, "content-type": "application/json" },
      body: JSON.stringify({ name: "proxy script", scope: "control" }),
    });
    const { token } = apiTokenCreatedSchema.parse(await created.json());
    const response = await fetch(`${stack.accessProxyUrl}/system_stats`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  });

  it("rejects a made-up API token", async () => {
    const response = await fetch(`${stack.accessProxyUrl}/system_stats`, { headers: { authorization: "Bearer cca_made_up_token_value" } });
    expect(response.status).toBe(401);
  });
});
