// The Plugins page checks a git URL before sending it, with the reporter's rules, so a typo
// is named at once; the reporter checks again and stays the authority.

/** Why a URL is refused, as the last part of the i18n key `plugins.git.problem.<reason>`. */
export type GitUrlProblem = "empty" | "dash" | "spaces" | "https" | "invalid" | "credentials" | "query" | "host" | "path" | "segments" | "folder";

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const FOLDER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Returns the problem with `raw`, or null when the reporter would accept it. */
export function gitUrlProblem(raw: string): GitUrlProblem | null {
  if (raw === "") {
    return "empty";
  }
  if (raw.startsWith("-")) {
    return "dash";
  }
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) {
    return "spaces";
  }
  if (!raw.startsWith("https://")) {
    return "https";
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "invalid";
  }
  if (url.username !== "" || url.password !== "") {
    return "credentials";
  }
  if (url.search !== "" || url.hash !== "") {
    return "query";
  }
  if (!HOST.test(url.hostname)) {
    return "host";
  }

  const segments = url.pathname.split("/").filter((segment) => segment !== "");
  if (segments.length === 0) {
    return "path";
  }
  if (segments.some((segment) => segment === "." || segment === ".." || !PATH_SEGMENT.test(segment))) {
    return "segments";
  }
  return FOLDER.test((segments.at(-1) ?? "").replace(/\.git$/, "")) ? null : "folder";
}
