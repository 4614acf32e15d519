// Number and time formatting shared by every page: compact uptimes ("2h30m") and
// binary sizes labelled as such (GiB), the way nvidia-smi and PM2 count them.

/** Formats a duration in seconds compactly: "45s", "12m", "2h30m", "3d4h". */
export function formatUptime(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  if (total < 60) {
    return `${total}s`;
  }

  const minutes = Math.floor(total / 60);
  if (minutes < 60) {
    return `${minutes}m`;
  }

  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return `${hours}h${minutes % 60}m`;
  }
  return `${Math.floor(hours / 24)}d${hours % 24}h`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** Picks the binary unit that shows `bytes` as a number below 1024. */
export function byteUnit(bytes: number): { unit: (typeof BYTE_UNITS)[number]; divisor: number } {
  let index = 0;
  let divisor = 1;
  while (index < BYTE_UNITS.length - 1 && Math.abs(bytes) >= divisor * 1024) {
    divisor *= 1024;
    index += 1;
  }
  return { unit: BYTE_UNITS[index] ?? "B", divisor };
}

/** Formats a number scaled to a unit: one decimal below 100, none above. */
function scaled(value: number): string {
  return value >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(1);
}

/** Formats a byte count in binary units: "512 B", "1.2 GiB", "24.0 GiB". */
export function formatBytes(bytes: number): string {
  const { unit, divisor } = byteUnit(bytes);
  return `${scaled(bytes / divisor)} ${unit}`;
}

/**
 * Formats used and total in the total's unit and with the same decimals, so both read
 * on one scale: "8.2 / 24.0 GiB", "10.0 / 79.6 GiB", "40 / 100 GiB".
 */
export function formatUsedTotal(used: number, total: number): string {
  const { unit, divisor } = byteUnit(total);
  const digits = total / divisor >= 100 ? 0 : 1;
  return `${(used / divisor).toFixed(digits)} / ${(total / divisor).toFixed(digits)} ${unit}`;
}

/** Formats a transfer speed: "45 MiB/s". */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Formats a percentage rounded to a whole number, the same rounding the colour rules use. */
export function formatPercent(percent: number): string {
  return `${Math.round(percent)}%`;
}

/** An age split into the largest whole unit, for the `age.*` messages. */
export interface AgeParts {
  unit: "seconds" | "minutes" | "hours" | "days";
  value: number;
}

/** Splits an age in milliseconds into its largest whole unit: 15 000 → 15 seconds, 7 200 000 → 2 hours. */
export function ageParts(ms: number): AgeParts {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) {
    return { unit: "seconds", value: seconds };
  }

  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return { unit: "minutes", value: minutes };
  }

  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return { unit: "hours", value: hours };
  }
  return { unit: "days", value: Math.floor(hours / 24) };
}

/**
 * Formats a UTC timestamp in the viewer's time zone: time only when it falls on the
 * viewer's today, date and time otherwise.
 */
export function formatLocalTime(utc: string, locale: string, now: Date = new Date(), timeZone?: string): string {
  const date = new Date(utc);
  const dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  const sameDay = dayFormat.format(date) === dayFormat.format(now);
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }
    : { timeZone, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false };
  return new Intl.DateTimeFormat(locale, options).format(date);
}
