import { enMessages, zhCNMessages } from "../locales/messages";
import { buildAppI18n } from "./create";

import type { AppI18n, AppI18nOptions } from "./create";

// Both locales in one synchronous call, for tests and tools. Keep it out of code the
// dashboard ships, because it pulls every message of both languages into that chunk.

/** Creates the i18n instance with both locales loaded. */
export function createAppI18n(options: AppI18nOptions): AppI18n {
  return buildAppI18n(options, { en: enMessages, "zh-CN": zhCNMessages });
}
