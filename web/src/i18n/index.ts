// The dashboard's i18n API. Nothing here loads messages eagerly, so the entry chunk
// can import it. Tests that want both locales at once use createAppI18n from ./eager.

export { SUPPORTED_LOCALES, detectLocale, isAppLocale, readStoredLocale } from "./locale";
export type { AppLocale } from "./locale";
export { buildAppI18n } from "./create";
export type { AppI18n, AppI18nOptions, MessageSchema } from "./create";
export { applyLocale, loadAppI18n, loadLocaleMessages } from "./load";
export type { LocaleSwitchTarget } from "./load";
