import { SELF, env } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";

import { app } from "../src/app.js";
import type { AppEnv } from "../src/http/app-env.js";
import { ROLE_HEADER } from "../src/instance/roles.js";
import { ORIGIN, createInstance, login } from "./helpers.js";
import { ANONYMOUS_ROUTES, UNROUTED_API_PATHS, anonymousOutcome, routesOf, unprotectedRoutes } from "./route-inventory.js";

const throughWorker = (request: Request): Promise<Response> => SELF.fetch(request);

describe("anonymous callers", () => {
  it("are refused by every router entry outside the anonymous list", async () => {
    expect(await unprotectedRoutes(app, throughWorker)).toEqual([]);
  });

  it("reach only anonymous routes that the router really has", () => {
    const known = new Set(routesOf(app).map(({ method, pattern }) => `${method} ${pattern}`));

    expect([...ANONYMOUS_ROUTES].filter((route) => !known.has(route))).toEqual([]);
  });

  it("are caught by the check when a route forgets authentication", async () => {
    const leaky = new Hono<AppEnv>().get("/api/leak", (c) => c.json({ leaked: true })).route("/", app);

    const failures = await unprotectedRoutes(leaky, async (request) => leaky.request(request, undefined, env));

    expect(failures).toEqual(["GET /api/leak: plain GET answered 200"]);
  });

  for (const { method, path } of UNROUTED_API_PATHS) {
    it(`are refused at ${method} ${path}, which no route names`, async () => {
      expect(await anonymousOutcome(throughWorker, method, path)).toBeNull();
    });
  }

  it("get the dashboard's static page", async () => {
    const response = await SELF.fetch(`${ORIGIN}/settings`, { headers: { "Sec-Fetch-Mode": "navigate" } });

    expect(response.status).toBe(200);
  });

  it("cannot open an instance object's socket without the Worker's role header", async () => {
    const { instance_id } = await createInstance(await login());
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(instance_id));

    const response = await stub.fetch(new Request(`${ORIGIN}/anything`, { headers: { Upgrade: "websocket" } }));
    const ws = response.webSocket;
    expect(ws).not.toBeNull();
    const closed = new Promise<number>((resolve) => ws?.addEventListener("close", (event) => resolve(event.code)));
    ws?.accept();
    expect(await closed).toBe(4000);
  });

  it("cannot pose as a browser through the role header without a caller", async () => {
    const { instance_id } = await createInstance(await login());
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(instance_id));

    const response = await stub.fetch(new Request(`${ORIGIN}/anything`, { headers: { Upgrade: "websocket", [ROLE_HEADER]: "browser" } }));
    const ws = response.webSocket;
    const frame = new Promise<string>((resolve) => ws?.addEventListener("message", (event) => resolve(String(event.data))));
    ws?.accept();
    expect(await frame).toContain('"unauthorized"');
  });
});
