import { flushPromises } from "@vue/test-utils";
import { createPinia } from "pinia";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { fakeEdge } from "../components/settings/fakeEdge";
import { mountApp } from "../test/mountApp";
import LoginPage from "./LoginPage.vue";

import type { FakeReply } from "../components/settings/fakeEdge";

const Blank = { template: "<div />" };

async function loginWith(reply: FakeReply) {
  fakeEdge({ "POST /api/auth/login": reply });
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/login", name: "login", component: LoginPage },
      { path: "/setup", name: "setup", component: Blank },
      { path: "/", name: "fleet", component: Blank },
    ],
  });
  await router.push("/login");
  const wrapper = mountApp(LoginPage, { pinia: createPinia(), plugins: [router] });
  await wrapper.get("[data-testid=login-password] input").setValue("anything");
  await wrapper.get("[data-testid=login-submit]").trigger("submit");
  await flushPromises();
  return { wrapper, router };
}

describe("LoginPage", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("sends a deployment without a password to setup", async () => {
    const { router } = await loginWith({ status: 403, body: { error: { code: "forbidden", message: "no owner password", params: { setup_required: true } } } });
    expect(router.currentRoute.value.name).toBe("setup");
  });

  it("stays on login for another refusal", async () => {
    const { wrapper, router } = await loginWith({ status: 403, body: { error: { code: "forbidden", message: "origin" } } });
    expect(router.currentRoute.value.name).toBe("login");
    expect(wrapper.get("[data-testid=login-error]").text()).toBe("You are not allowed to do this.");
  });
});
