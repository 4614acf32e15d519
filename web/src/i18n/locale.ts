// Locale choice: a stored choice wins; otherwise any Chinese browser language picks
// zh-CN and everything else picks English.

/** The locales the dashboard ships. */
export const SUPPORTED_LOCALES = ["zh-CN", "en"] as const;
export type AppLocale = (typeof SUPPORTED_LOCALES)[number];

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

/** Stores the locale choice and sets the page's `lang` attribute. */
export function rememberLocale(locale: AppLocale): void {
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage disabled: the switch still works for this visit.
  }
}
