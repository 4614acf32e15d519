/** Checking a git URL before it reaches git: https, a host and a path, nothing git could read as an option. */
import { ComfyCarryError } from "@comfycarry/shared";

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * Returns the URL and the folder it installs into. Rejected: anything not `https://`
 * (so `file://`, `ext::` and `ssh` transports), a leading `-` (`--upload-pack=…`), spaces or
 * control characters, credentials, a query or fragment, and `..` path segments.
 */
export function checkGitUrl(raw: string): { url: string; folder: string } {
  const invalid = (problem: string): ComfyCarryError => new ComfyCarryError("invalid_arguments", `Invalid git URL ${JSON.stringify(raw.slice(0, 200))}: ${problem}. Use an address such as https://github.com/owner/repo.`, { url: raw.slice(0, 200) });

  if (raw.startsWith("-")) {
    throw invalid("it starts with '-', which git would read as an option");
  }
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) {
    throw invalid("it contains spaces or control characters");
  }
  if (!raw.startsWith("https://")) {
    throw invalid("only https:// URLs are accepted");
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid("it is not a valid URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw invalid("it carries credentials; use a public repository URL");
  }
  if (url.search !== "" || url.hash !== "") {
    throw invalid("it has a query or fragment");
  }
  if (!HOST.test(url.hostname)) {
    throw invalid("its host is not a plain host name");
  }

  const segments = url.pathname.split("/").filter((segment) => segment !== "");
  if (segments.length === 0) {
    throw invalid("it has no repository path");
  }
  if (segments.some((segment) => segment === "." || segment === ".." || !PATH_SEGMENT.test(segment))) {
    throw invalid("its path has characters other than letters, digits, '.', '_', '~' and '-', or a '..' part");
  }

  const folder = (segments.at(-1) ?? "").replace(/\.git$/, "");
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(folder)) {
    throw invalid("its last path part does not make a folder name");
  }
  return { url: url.toString().replace(/\/$/, ""), folder };
}
