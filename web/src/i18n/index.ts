import { createI18n } from "vue-i18n";

import en from "../locales/en.json";
import { enMessages, zhCNMessages } from "../locales/messages";

// Locale choice: a stored choice wins; otherwise any Chinese browser language picks
// zh-CN and everything else picks English.

/** The locales the dashboard ships. */
export const SUPPORTED_LOCALES = ["zh-CN", "en"] as const;
export type AppLocale = (typeof SUPPORTED_LOCALES)[number];

/** The message schema: the English file, which every locale must match key for key. */
export type MessageSchema = typeof en;

const STORAGE_KEY = "comfycarry.locale";

/** Returns whether `value` names a shipped locale. */
export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === "string" && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** Picks the starting locale from a stored choice, then the browser's languages. */
export function detectLocale(stored: string | null, browserLanguages: readonly string[]): AppLocale {
  if (isAppLocale(stored)) {
    return stored;
  }
  const chinese = browserLanguages.some((language) => language.toLowerCase().startsWith("zh"));
  return chinese ? "zh-CN" : "en";
}

/** Reads the stored locale choice, if storage is readable. */
export function readStoredLocale(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Options for the app's i18n instance. */
export interface AppI18nOptions {
  locale: AppLocale;
  /**
   * Throw on a missing key instead of showing the key. Tests turn it on so a missing
   * translation fails the test that renders it.
   * @default false
   */
  strict?: boolean;
}

/** Creates the i18n instance with both locales loaded. */
export function createAppI18n(options: AppI18nOptions) {
  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale: options.locale,
    fallbackLocale: "en",
    // Feature files add keys beyond the core schema; the locale tests check both sets match.
    messages: { en: enMessages as MessageSchema, "zh-CN": zhCNMessages as MessageSchema },
    missingWarn: options.strict !== true,
    fallbackWarn: false,
    missing: (locale, key) => {
      if (options.strict === true) {
        throw new Error(`missing i18n key "${key}" in locale ${locale}`);
      }
    },
  });
}

/** The app's i18n instance type. */
export type AppI18n = ReturnType<typeof createAppI18n>;

/** Switches the locale held in `current` (the global i18n locale), remembers the choice and updates the page's `lang`. */
export function applyLocale(current: { value: string }, locale: AppLocale): void {
  current.value = locale;
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage disabled: the switch still works for this visit.
  }
}
