import { buildAppI18n } from "./create";
import { rememberLocale } from "./locale";
import { registerNaiveUiLocale } from "./naiveLocale";

import type { Messages } from "../locales/featureFiles";
import type { AppI18n, AppI18nOptions, MessageSchema } from "./create";
import type { AppLocale } from "./locale";
import type { NaiveUiLocale } from "./naiveLocale";

// Each locale is a separate chunk, so a visitor downloads only the language they read.
// main.ts awaits the active locale before mounting; web/scripts/bundle-size.ts counts
// the larger of these chunks in the initial JavaScript figure.
const LOADERS: Record<AppLocale, () => Promise<{ default: Messages; naiveUiLocale: NaiveUiLocale }>> = {
  en: () => import("../locales/enMessages"),
  "zh-CN": () => import("../locales/zhCNMessages"),
};

/** Downloads one locale's messages, core and feature files together, and registers its Naive UI texts. */
export async function loadLocaleMessages(locale: AppLocale): Promise<Messages> {
  const module = await LOADERS[locale]();
  registerNaiveUiLocale(locale, module.naiveUiLocale);
  return module.default;
}

/** Creates the i18n instance after loading only the active locale's messages. */
export async function loadAppI18n(options: AppI18nOptions): Promise<AppI18n> {
  const messages = await loadLocaleMessages(options.locale);
  return buildAppI18n(options, { [options.locale]: messages });
}

/** The parts of a vue-i18n composer (`useI18n()` or `i18n.global`) a locale switch uses. */
export interface LocaleSwitchTarget {
  locale: { value: string };
  availableLocales: readonly string[];
  setLocaleMessage(locale: AppLocale, message: MessageSchema): void;
}

/**
 * Switches to `locale`, loading its messages first if this page has not loaded them,
 * then stores the choice and sets the page's `lang`. Resolves false and keeps the
 * current locale when the messages fail to download.
 */
export async function applyLocale(target: LocaleSwitchTarget, locale: AppLocale): Promise<boolean> {
  if (!target.availableLocales.includes(locale)) {
    try {
      target.setLocaleMessage(locale, (await loadLocaleMessages(locale)) as MessageSchema);
    } catch (error) {
      console.error(`loading the ${locale} messages failed; keeping ${target.locale.value}`, error);
      return false;
    }
  }

  target.locale.value = locale;
  rememberLocale(locale);
  return true;
}
