/**
 * Turns a failed rclone run into a stable code and a plain-words explanation. rclone's
 * exit codes are coarse (1 covers both "remote not in config" and "connection refused"),
 * so the code comes from the error text first and from the exit code second.
 * Exit codes as documented for rclone 1.60 and later: 1 syntax or usage error,
 * 2 uncategorised error, 3 directory not found, 4 file not found, 5 temporary error,
 * 6 less serious error, 7 fatal error, 8 transfer limit, 9 nothing transferred,
 * 10 duration limit (newer releases).
 */

// The codes live in shared/, because the dashboard translates each one; re-exported here
// for the engine's modules.
import type { SyncFailureCode } from "@comfycarry/shared";

export { SYNC_FAILURE_CODES } from "@comfycarry/shared";
export type { SyncFailureCode };

/** A classified failure: a stable code, a sentence for people and, when there is one, the fix. */
export interface SyncFailure {
  code: SyncFailureCode;
  message: string;
  hint: string | null;
}

/** Failures worth retrying by themselves with backoff. */
export const RETRYABLE_FAILURES: ReadonlySet<SyncFailureCode> = new Set([
  "unreachable",
  "timed_out",
  "stalled",
  "source_changed",
  "transfer_failed",
]);

/** Failures that mean the remote is offline rather than broken. */
export const OFFLINE_FAILURES: ReadonlySet<SyncFailureCode> = new Set(["unreachable", "timed_out"]);

interface Pattern {
  code: SyncFailureCode;
  test: RegExp;
}

// Order matters: auth problems often also mention the URL or "failed to create file system".
const PATTERNS: Pattern[] = [
  { code: "unknown_remote", test: /didn't find section in config file|not found in config file|unknown remote|NewFs: couldn't find/i },
  { code: "token_expired", test: /invalid_grant|token (has )?expired|couldn't fetch token|oauth2: cannot fetch token|token.*(revoked|invalid)|empty token found/i },
  { code: "auth_failed", test: /401 unauthorized|\b403 forbidden\b|unable to authenticate|authentication failed|permission denied \(publickey|invalid credentials|access denied|signaturedoesnotmatch|invalidaccesskeyid/i },
  { code: "delete_limit", test: /max-delete threshold reached|--max-delete/i },
  { code: "bisync_needs_resync", test: /must run --resync|cannot find prior path1 or path2 listings/i },
  { code: "bisync_safety_abort", test: /safety abort|all files were changed|too many deletes/i },
  { code: "modtime_unsupported", test: /modification time support is missing/i },
  { code: "source_changed", test: /source file is being updated|can't copy - source file is being updated|changed size during/i },
  { code: "timed_out", test: /i\/o timeout|context deadline exceeded|timeout awaiting|TLS handshake timeout|operation timed out/i },
  { code: "unreachable", test: /connection refused|no such host|network is unreachable|no route to host|connection reset|broken pipe|EOF\b|server misbehaving|dial tcp|503 service unavailable|502 bad gateway/i },
  { code: "not_found", test: /directory not found|file not found|object not found/i },
];

const MESSAGES: Record<SyncFailureCode, (remote: string) => { message: string; hint: string | null }> = {
  rclone_missing: () => ({ message: "rclone could not be started.", hint: "Install rclone, or set the path to its binary." }),
  unknown_remote: (remote) => ({
    message: `The remote "${remote}" is not in rclone.conf.`,
    hint: "Check the name with the remote list, or add the remote to rclone.conf.",
  }),
  auth_failed: (remote) => ({
    message: `The remote "${remote}" rejected the credentials.`,
    hint: "Check the user name, password or keys of this remote in rclone.conf.",
  }),
  token_expired: (remote) => ({
    message: `The access token of "${remote}" expired or was revoked and rclone could not refresh it.`,
    hint: `Re-authorize on a computer with a browser: run "rclone config reconnect ${remote}:", then paste the updated rclone.conf.`,
  }),
  unreachable: (remote) => ({
    message: `The remote "${remote}" cannot be reached.`,
    hint: "The engine retries with backoff; check the remote's address and the network if it stays offline.",
  }),
  timed_out: (remote) => ({
    message: `The remote "${remote}" did not answer in time.`,
    hint: "The engine retries with backoff; a slow remote may need a longer time limit.",
  }),
  stalled: () => ({ message: "The transfer made no progress for too long and was stopped.", hint: "It is retried with backoff." }),
  not_found: () => ({ message: "A directory or file of the rule does not exist.", hint: "Check the rule's local path and remote path." }),
  delete_limit: () => ({
    message: "The run would delete more files than the rule's limit.",
    hint: "Review the deletions, then run the rule again with deletions confirmed.",
  }),
  bisync_needs_resync: () => ({
    message: "Two-way sync lost track of its previous state.",
    hint: "Run the rule with resync confirmed; files on both sides are kept and merged.",
  }),
  bisync_safety_abort: () => ({
    message: "Two-way sync stopped because too many files changed at once.",
    hint: "Check both sides, then run the rule again with deletions confirmed.",
  }),
  modtime_unsupported: (remote) => ({
    message: `The remote "${remote}" does not keep modification times, which two-way sync needs.`,
    hint: "Use a push or pull rule for this remote.",
  }),
  source_changed: () => ({ message: "A file changed while it was uploading.", hint: "It is uploaded again once it stops changing." }),
  canceled: () => ({ message: "The run was stopped.", hint: null }),
  transfer_failed: () => ({ message: "rclone failed.", hint: "The job's error lines say which files failed." }),
};

/** Returns the code that the error lines and exit code point to. */
export function classifyFailureCode(lines: readonly string[], exitCode: number | undefined): SyncFailureCode {
  const text = lines.join("\n");
  for (const pattern of PATTERNS) {
    if (pattern.test.test(text)) {
      return pattern.code;
    }
  }
  if (exitCode === 3 || exitCode === 4) {
    return "not_found";
  }
  return "transfer_failed";
}

/** Builds the failure for `code` about `remote`, with rclone's last error line appended. */
export function describeFailure(code: SyncFailureCode, remote: string, lastError: string | null): SyncFailure {
  const { message, hint } = MESSAGES[code](remote);
  const detail = lastError === null || code === "canceled" ? "" : ` rclone: ${lastError.slice(0, 500)}`;
  return { code, message: `${message}${detail}`, hint };
}
