import { createGlobalState, usePreferredDark, useStorage } from "@vueuse/core";
import { computed, shallowRef, watch, watchEffect } from "vue";

import type { GlobalTheme } from "naive-ui";

/** The theme the user picked in the header; `auto` follows the operating system. */
export type ThemeChoice = "auto" | "light" | "dark";

const CHOICES: readonly ThemeChoice[] = ["auto", "light", "dark"];

/**
 * Naive UI's dark theme, loaded on first use: it carries every component's dark styles
 * (about 15 kB gzip) that a light-theme visitor never needs.
 */
const darkTheme = shallowRef<GlobalTheme | null>(null);

/** Loads the dark theme once; later calls return the same promise. */
let darkThemeLoad: Promise<void> | null = null;
export function loadDarkTheme(): Promise<void> {
  darkThemeLoad ??= import("naive-ui/es/themes/dark").then((module) => {
    darkTheme.value = module.darkTheme;
  });
  return darkThemeLoad;
}

/** Returns the theme choice, remembered in localStorage and shared by every component. */
export const useTheme = createGlobalState(() => {
  const stored = useStorage<string>("comfycarry.theme", "auto");
  const prefersDark = usePreferredDark();

  const choice = computed<ThemeChoice>({
    get: () => CHOICES.find((item) => item === stored.value) ?? "auto",
    set: (value) => {
      stored.value = value;
    },
  });
  const isDark = computed(() => choice.value === "dark" || (choice.value === "auto" && prefersDark.value));

  // The page's own CSS variables switch with Naive UI's theme through this attribute.
  watchEffect(() => {
    document.documentElement.dataset.theme = isDark.value ? "dark" : "light";
  });
  watch(
    isDark,
    (dark) => {
      if (dark) {
        void loadDarkTheme();
      }
    },
    { immediate: true },
  );

  /** The Naive UI theme to apply: null is Naive UI's light theme. */
  const naiveTheme = computed(() => (isDark.value ? darkTheme.value : null));

  return { choice, isDark, naiveTheme, choices: CHOICES };
});
