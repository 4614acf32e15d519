import { flushPromises } from "@vue/test-utils";
import { createPinia } from "pinia";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { fakeEdge } from "../components/settings/fakeEdge";
import { mountApp } from "../test/mountApp";
import SetupPage from "./SetupPage.vue";

import type { FakeReply } from "../components/settings/fakeEdge";

const Blank = { template: "<div />" };

async function mountSetup(routes: Record<string, FakeReply>) {
  const edge = fakeEdge(routes);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/setup", name: "setup", component: SetupPage },
      { path: "/login", name: "login", component: Blank },
      { path: "/", name: "fleet", component: Blank },
    ],
  });
  await router.push("/setup");
  const wrapper = mountApp(SetupPage, { pinia: createPinia(), plugins: [router] });
  await flushPromises();
  return { wrapper, edge, router };
}

async function fill(wrapper: Awaited<ReturnType<typeof mountSetup>>["wrapper"], code: string, password: string): Promise<void> {
  await wrapper.get("[data-testid=setup-code] input").setValue(code);
  await wrapper.get("[data-testid=setup-password] input").setValue(password);
  await wrapper.get("[data-testid=setup-repeat] input").setValue(password);
  await wrapper.get("[data-testid=setup-submit]").trigger("submit");
  await flushPromises();
}

const REQUIRED = { "GET /api/auth/setup": { status: 200, body: { setup_required: true, setup_code_configured: true } } };
const SESSION = { "GET /api/auth/session": { status: 200, body: { authenticated: true, expires_at: "2026-02-26T09:00:00.000Z", csrf_token: "c" } } };

describe("SetupPage", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("sets the password with the code and opens the dashboard", async () => {
    const { wrapper, edge, router } = await mountSetup({ ...REQUIRED, ...SESSION, "POST /api/auth/setup": { status: 204 } });
    await fill(wrapper, " code-123 ", "owner-password-1");
    expect(edge.sent.find((request) => request.method === "POST")?.body).toEqual({ setup_code: "code-123", password: "owner-password-1" });
    expect(router.currentRoute.value.name).toBe("fleet");
  });

  it("says a wrong code is wrong", async () => {
    const { wrapper, router } = await mountSetup({ ...REQUIRED, "POST /api/auth/setup": { status: 401, body: { error: { code: "unauthorized", message: "wrong setup code" } } } });
    await fill(wrapper, "nope", "owner-password-1");
    expect(wrapper.get("[data-testid=setup-error]").text()).toBe("The setup code is wrong.");
    expect(router.currentRoute.value.name).toBe("setup");
  });

  it("refuses a short password without a request", async () => {
    const { wrapper, edge } = await mountSetup(REQUIRED);
    await fill(wrapper, "code-123", "short");
    expect(edge.sent.filter((request) => request.method === "POST")).toEqual([]);
  });

  it("points to the login once setup is done", async () => {
    const { wrapper } = await mountSetup({ "GET /api/auth/setup": { status: 200, body: { setup_required: false, setup_code_configured: true } } });
    expect(wrapper.find("[data-testid=setup-done]").exists()).toBe(true);
  });

  it("explains a deployment without a setup code", async () => {
    const { wrapper } = await mountSetup({ "GET /api/auth/setup": { status: 200, body: { setup_required: true, setup_code_configured: false } } });
    expect(wrapper.get("[data-testid=setup-no-code]").text()).toContain("DASHBOARD_PASSWORD");
  });
});
