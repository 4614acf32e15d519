import { mount } from "@vue/test-utils";
import { NDialogProvider, NMessageProvider } from "naive-ui";
import { createPinia, setActivePinia } from "pinia";
import { defineComponent, h } from "vue";

import { createAppI18n } from "../i18n/eager";

import type { AppLocale } from "../i18n";
import type { Pinia } from "pinia";
import type { Component, Plugin } from "vue";

/** Options for `mountApp`. */
export interface MountAppOptions {
  props?: Record<string, unknown>;
  /** @default "en" */
  locale?: AppLocale;
  pinia?: Pinia;
  /** Extra plugins, such as a router. */
  plugins?: Plugin[];
}

/**
 * Mounts a component the way the app runs it: a Pinia store, the real locale files with
 * a missing key throwing, and Naive UI's message and dialog providers.
 */
export function mountApp(component: Component, options: MountAppOptions = {}) {
  const pinia = options.pinia ?? createPinia();
  setActivePinia(pinia);
  const i18n = createAppI18n({ locale: options.locale ?? "en", strict: true });

  const Host = defineComponent({
    setup: () => () => h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(component, options.props ?? {}))),
  });
  return mount(Host, { global: { plugins: [pinia, i18n, ...(options.plugins ?? [])], stubs: { RouterLink: true } }, attachTo: document.body });
}
