import { flushPromises, mount } from "@vue/test-utils";
import { NDatePicker, NInput } from "naive-ui";
import { createPinia } from "pinia";
import { afterEach, describe, expect, it } from "vitest";
import { defineComponent, h } from "vue";
import { createMemoryHistory, createRouter } from "vue-router";

import App from "./App.vue";
import { applyLocale, loadAppI18n } from "./i18n";

import type { AppLocale } from "./i18n";

// Naive UI's own texts follow the app's locale: an input without a placeholder and a date
// picker show Naive UI's defaults, which must read in the active language.

const Fields = defineComponent({
  setup: () => () => [h(NInput, { "data-testid": "plain-input" }), h(NDatePicker, { "data-testid": "plain-date" })],
});

async function mountApp(locale: AppLocale) {
  const i18n = await loadAppI18n({ locale, strict: true });
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/", component: Fields }] });
  await router.push("/");
  const wrapper = mount(App, { global: { plugins: [createPinia(), router, i18n] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, i18n };
}

function placeholders(): string[] {
  return [...document.querySelectorAll("input")].map((input) => input.placeholder);
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("App", () => {
  it("shows Naive UI texts in Chinese", async () => {
    const { wrapper } = await mountApp("zh-CN");

    expect(placeholders()).toEqual(["请输入", "选择日期"]);
    wrapper.unmount();
  });

  it("switches Naive UI texts with the locale", async () => {
    const { wrapper, i18n } = await mountApp("zh-CN");

    await applyLocale(i18n.global, "en");
    await flushPromises();

    expect(placeholders()).toEqual(["Please Input", "Select Date"]);
    wrapper.unmount();
  });

  it("shows Naive UI texts in English", async () => {
    const { wrapper } = await mountApp("en");

    expect(placeholders()).toEqual(["Please Input", "Select Date"]);
    wrapper.unmount();
  });
});
