/**
 * Reading meaning from cloudflared's log (2026.8 line shapes; older variants noted where they
 * differ). Each run of cloudflared is judged from its own lines only.
 */

/** Quick-tunnel URL as P1 (vast-ai's wrapper) matches it; never taken by position in the box. */
const QUICK_URL = /https:\/\/[a-z0-9]+(?:-[a-z0-9]+)+\.trycloudflare\.com/;

/** Findings from one run's log lines so far. */
export interface RunFindings {
  quickUrl: string | null;
  /** Cloudflare refused the quick tunnel with HTTP 429 / error 1015. */
  rateLimited: boolean;
  /** A setting cloudflared rejected; retrying with the same settings cannot help. */
  misconfigured: string | null;
  /** The last connection or request error, in cloudflared's words. */
  lastError: string | null;
  registered: number;
}

export function emptyFindings(): RunFindings {
  return { quickUrl: null, rateLimited: false, misconfigured: null, lastError: null, registered: 0 };
}

/** Messages after which cloudflared exits and the same settings would fail again. */
const MISCONFIGURED = [
  /Provided Tunnel token is not valid\./,
  /Failed to read token file/,
  /error parsing YAML in config file/,
  /flag provided but not defined/,
  /The last ingress rule must match all URLs/,
  /You did not specify any valid additional argument/,
];

/** Returns the `error="…"` field of a console line, or the message after the level. */
function errorText(line: string): string {
  const field = /error="((?:[^"\\]|\\.)*)"/.exec(line);
  if (field?.[1] !== undefined) {
    return field[1];
  }
  return line.replace(/^\S+ (?:ERR|WRN|FTL) /, "").trim();
}

/** Updates `findings` with one log line. */
export function readLine(findings: RunFindings, line: string): void {
  const url = QUICK_URL.exec(line);
  if (url !== null && findings.quickUrl === null) {
    findings.quickUrl = url[0];
  }

  // Classify on the status and code, not on the wrapper text, which changed in 2024.10.0.
  if (/\b429\b/.test(line) || /error code: 1015/.test(line)) {
    findings.rateLimited = true;
  }
  // Before 2024.10.0 only this bare line appeared. A body starting with 'e' is Cloudflare's
  // plain-text "error code: …" page. NOTE: that page is a guess for old releases; it may also be another code.
  if (/^failed to unmarshal quick Tunnel: invalid character 'e' looking for beginning of value/.test(line)) {
    findings.rateLimited = true;
  }

  const misconfigured = MISCONFIGURED.find((pattern) => pattern.test(line));
  if (misconfigured !== undefined) {
    findings.misconfigured = line.replace(/^\S+ (?:INF|ERR|WRN|FTL) /, "").trim();
  }

  // 2023.4.1+: "Registered tunnel connection"; before: "Connection <uuid> registered".
  if (/Registered tunnel connection|Connection \S+ registered/.test(line)) {
    findings.registered += 1;
  } else if (/Unregistered tunnel connection/.test(line)) {
    findings.registered = Math.max(0, findings.registered - 1);
  }

  if (/ (ERR|FTL) /.test(line) || /^failed to /.test(line)) {
    findings.lastError = errorText(line);
  }
}
