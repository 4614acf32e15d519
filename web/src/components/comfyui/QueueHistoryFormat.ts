/** Formatting for the queue and history card: short prompt ids and run durations. */

/** Returns the first 8 characters of a prompt id, enough to tell rows apart. */
export function shortId(promptId: string): string {
  return promptId.length > 8 ? promptId.slice(0, 8) : promptId;
}

/** Formats a duration in ms in the locale, such as "4.3 sec" or "2 min 5 sec" in English. */
export function formatDuration(ms: number, locale: string): string {
  const seconds = ms / 1000;
  if (seconds < 60) {
    return new Intl.NumberFormat(locale, { style: "unit", unit: "second", unitDisplay: "short", maximumFractionDigits: 1 }).format(seconds);
  }

  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  const minuteText = new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "short" }).format(minutes);
  const secondText = new Intl.NumberFormat(locale, { style: "unit", unit: "second", unitDisplay: "short" }).format(rest);
  return `${minuteText} ${secondText}`;
}
