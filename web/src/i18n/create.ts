import { createI18n } from "vue-i18n";

import type en from "../locales/en.json";
import type { Messages } from "../locales/featureFiles";
import type { AppLocale } from "./locale";

/** The message schema: the English core file, which every locale must match key for key. */
export type MessageSchema = typeof en;

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

/**
 * Creates the i18n instance with the given locales' messages. Locales left out can be
 * added later with `setLocaleMessage` (see applyLocale).
 */
export function buildAppI18n(options: AppI18nOptions, messages: Partial<Record<AppLocale, Messages>>) {
  // Feature files add keys beyond the core schema, so the cast widens the type. The
  // locale tests check that both locales have the same keys.
  const schemaMessages: Partial<Record<AppLocale, MessageSchema>> = {};
  for (const [locale, localeMessages] of Object.entries(messages)) {
    schemaMessages[locale as AppLocale] = localeMessages as MessageSchema;
  }

  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale: options.locale,
    fallbackLocale: "en",
    messages: schemaMessages as Record<AppLocale, MessageSchema>,
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
export type AppI18n = ReturnType<typeof buildAppI18n>;
