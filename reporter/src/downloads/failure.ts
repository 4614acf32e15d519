import type { DownloadFailureCode, DownloadFailureInfo } from "./schemas.js";

/** A download that cannot go on, with the code and parameters the dashboard shows. */
export class DownloadFailure extends Error {
  readonly code: DownloadFailureCode;
  readonly params: Record<string, string | number | null>;
  /** Whether trying again later may succeed without the user changing anything. */
  readonly transient: boolean;

  constructor(code: DownloadFailureCode, message: string, params: Record<string, string | number | null> = {}, transient = false) {
    super(message);
    this.name = `DownloadFailure[${code}]`;
    this.code = code;
    this.params = params;
    this.transient = transient;
  }

  toInfo(): DownloadFailureInfo {
    return { code: this.code, message: this.message, params: this.params };
  }
}

/** Builds the error for a sign-in page or 401/403 where a model was expected. */
export function tokenRequired(host: string): DownloadFailure {
  return new DownloadFailure("token_required", `token required or invalid for ${host}: add or renew the token in Settings → Tokens`, { host, setting: "tokens" });
}

/** Wraps anything thrown into a DownloadFailure so jobs always end with a code. */
export function asFailure(error: unknown): DownloadFailure {
  if (error instanceof DownloadFailure) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DownloadFailure("transfer_failed", message);
}
