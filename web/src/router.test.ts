import { createPinia } from "pinia";
import { describe, expect, it, vi } from "vitest";
import { createMemoryHistory } from "vue-router";

import { createAppRouter, safeRedirect } from "./router";

describe("safeRedirect", () => {
  it.each([
    ["/instances/a/overview", "/instances/a/overview"],
    ["//evil.example/path", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example", "/"],
    ["/login?redirect=/", "/"],
    [undefined, "/"],
  ])("maps %s to %s", (target, expected) => {
    expect(safeRedirect(target)).toBe(expected);
  });
});

describe("router guard", () => {
  it("sends a visitor without a session to login with the way back", async () => {
    vi.stubGlobal("fetch", () => Promise.resolve(new Response(JSON.stringify({ error: { code: "unauthorized", message: "no session" } }), { status: 401 })));
    const router = createAppRouter(createPinia(), createMemoryHistory());
    await router.push("/instances/studio-4090/overview");
    expect(router.currentRoute.value.name).toBe("login");
    expect(router.currentRoute.value.query.redirect).toBe("/instances/studio-4090/overview");
  });

  it("lets a valid session through", async () => {
    const session = { authenticated: true, expires_at: "2026-02-19T09:00:00.000Z" };
    vi.stubGlobal("fetch", () => Promise.resolve(new Response(JSON.stringify(session), { status: 200 })));
    const router = createAppRouter(createPinia(), createMemoryHistory());
    await router.push("/instances/studio-4090/overview");
    expect(router.currentRoute.value.name).toBe("instance-overview");
  });
});
