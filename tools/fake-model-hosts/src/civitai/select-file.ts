import type { CivitaiFileSpec, CivitaiVersionSpec } from "./catalog.js";

/**
 * Picks the file the download route serves: `fileId` exactly; otherwise filter by `type`,
 * score the rest on format/size/fp and fall back to the primary file. A requested metadata
 * value that the chosen file lacks gives null (404), as CivitAI does.
 */
export function selectFile(version: CivitaiVersionSpec, params: URLSearchParams): CivitaiFileSpec | null {
  const fileId = params.get("fileId");
  if (fileId !== null) {
    return version.files.find((file) => String(file.id) === fileId) ?? null;
  }

  const type = params.get("type");
  const wanted = { format: params.get("format"), size: params.get("size"), fp: params.get("fp") };
  const candidates = type === null ? version.files : version.files.filter((file) => file.type === type);
  if (candidates.length === 0) {
    return null;
  }

  const score = (file: CivitaiFileSpec): number =>
    (wanted.format !== null && file.format === wanted.format ? 4 : 0) +
    (wanted.size !== null && file.size === wanted.size ? 2 : 0) +
    (wanted.fp !== null && file.fp === wanted.fp ? 1 : 0) +
    (file.primary === true ? 0.5 : 0);
  const chosen = [...candidates].sort((a, b) => score(b) - score(a))[0];
  if (chosen === undefined) {
    return null;
  }

  const mismatch =
    (wanted.format !== null && chosen.format !== wanted.format) ||
    (wanted.size !== null && chosen.size !== wanted.size) ||
    (wanted.fp !== null && chosen.fp !== wanted.fp);
  return mismatch ? null : chosen;
}
