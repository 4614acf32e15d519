import { createGlobalState, useTimestamp } from "@vueuse/core";
import { useI18n } from "vue-i18n";

import { ageParts, formatLocalTime } from "../lib/format";

/** One shared 1 s clock (ms since epoch) that every age on the page is measured against. */
export const useClock = createGlobalState(() => useTimestamp({ interval: 1000 }));

/** Formatters for ages and timestamps in the current locale and the viewer's time zone. */
export function useTimeText() {
  const { t, locale } = useI18n();
  const now = useClock();

  /** Formats an age in ms, e.g. "15 s ago". */
  function age(ms: number): string {
    const parts = ageParts(ms);
    return t(`age.${parts.unit}`, { n: parts.value });
  }

  /** Formats the age of a UTC timestamp against the local clock. */
  function since(utc: string): string {
    return age(now.value - Date.parse(utc));
  }

  /** Formats a UTC timestamp in the viewer's local time. */
  function localTime(utc: string): string {
    return formatLocalTime(utc, locale.value, new Date(now.value));
  }

  return { now, age, since, localTime };
}
