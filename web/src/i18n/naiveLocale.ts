import { dateEnUS, enUS } from "naive-ui";
import { shallowReactive } from "vue";

import { isAppLocale } from "./locale";

import type { AppLocale } from "./locale";
import type { NDateLocale, NLocale } from "naive-ui";

// Naive UI's own texts (placeholders, empty states, date pickers, pagination) for each
// app locale. The zh-CN texts and date-fns' Chinese locale ship in the zh-CN message
// chunk, so English visitors never download them. i18n/load.ts registers each locale's
// texts here when it loads that chunk.

/** Naive UI's component texts and date-picker locale for one app locale. */
export interface NaiveUiLocale {
  locale: NLocale;
  dateLocale: NDateLocale;
}

const ENGLISH: NaiveUiLocale = { locale: enUS, dateLocale: dateEnUS };

const registered = shallowReactive<Partial<Record<AppLocale, NaiveUiLocale>>>({});

/** Stores the Naive UI locale that arrived with `locale`'s messages. */
export function registerNaiveUiLocale(locale: AppLocale, naive: NaiveUiLocale): void {
  registered[locale] = naive;
}

/** Returns the Naive UI locale for `locale`, or English until that locale's chunk has loaded. */
export function naiveUiLocaleFor(locale: string): NaiveUiLocale {
  return (isAppLocale(locale) ? registered[locale] : undefined) ?? ENGLISH;
}
