import type { SecretName } from "@comfycarry/shared";

// Pure helpers of the Settings page: times in the viewer's zone and the copyable command lines.

/** Formats a UTC timestamp as date and time in the viewer's zone (or `timeZone`, for tests). */
export function formatDateTime(utc: string, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(new Date(utc));
}

/** Characters a POSIX shell reads literally outside quotes. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes `value` for a POSIX shell: bare when safe, else in single quotes with `'` escaped. */
export function shellQuote(value: string): string {
  if (SHELL_SAFE.test(value)) {
    return value;
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Builds the rental template's on-start line. Without a name every start creates a new
 * instance; with one, each start continues the instance of that name.
 */
export function onStartLine(origin: string, enrollmentKey: string, instanceName: string): string {
  const name = instanceName.trim();
  const parts = [`EDGE_URL=${shellQuote(origin)}`, `ENROLL_KEY=${shellQuote(enrollmentKey)}`];
  if (name !== "") {
    parts.push(`INSTANCE_NAME=${shellQuote(name)}`);
  }
  return `${parts.join(" ")} bash bootstrap.sh`;
}

/** Builds a curl command that lists the instances with an API token, as a first test of the token. */
export function curlExample(origin: string, token: string): string {
  return `curl -s ${shellQuote(`${origin}/api/instances`)} -H ${shellQuote(`Authorization: Bearer ${token}`)}`;
}

/** Secrets edited as several lines of text; the others are single-line tokens. */
export function isMultiline(name: SecretName): boolean {
  return name === "rclone_conf";
}
