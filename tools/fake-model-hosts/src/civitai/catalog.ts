import type { SyntheticFile } from "../synthetic-file.js";

/** One file of a fake CivitAI model version. */
export interface CivitaiFileSpec {
  id: number;
  /** The download file name CivitAI reports in `files[].name`. */
  name: string;
  /** ModelFileType, e.g. `Model`, `VAE`, `Training Data`. */
  type: string;
  format: "SafeTensor" | "PickleTensor" | "GGUF" | "Diffusers" | "Other";
  size?: "full" | "pruned";
  fp?: string;
  primary?: boolean;
  file: SyntheticFile;
  /** Served by the store instead of the file, to model a storage host that returns HTML. */
  bodyOverride?: Buffer;
  /** SHA-256 to publish instead of the real one: a wrong hash, or a stand-in for a huge file that tests never download. */
  publishedSha256?: string;
}

export interface CivitaiVersionSpec {
  id: number;
  name: string;
  baseModel: string;
  trainedWords?: string[];
  /** Per-version "login required to download". */
  requireAuth?: boolean;
  usageControl?: "Download" | "Generation" | "InternalGeneration" | "ExternalGeneration";
  /** An open early-access gate ending at this ISO time; tokens in `earlyAccessBuyers` pass it. */
  earlyAccessDeadline?: string;
  publishedAt?: string;
  files: CivitaiFileSpec[];
}

export interface CivitaiModelSpec {
  id: number;
  name: string;
  /** ModelType, e.g. `LORA`, `Checkpoint`. */
  type: string;
  nsfw?: boolean;
  tags?: string[];
  creator?: string;
  downloadCount?: number;
  mode?: "Archived" | "TakenDown";
  versions: CivitaiVersionSpec[];
}

/** Builds the `downloadUrl` CivitAI gives a file: bare for the primary, with metadata params otherwise. */
export function fileDownloadUrl(origin: string, version: CivitaiVersionSpec, file: CivitaiFileSpec): string {
  const base = `${origin}/api/download/models/${version.id}`;
  if (file.primary === true) {
    return base;
  }
  const params: string[] = [];
  const add = (key: string, value: string | undefined): void => {
    if (value !== undefined && value !== "") {
      params.push(`${key}=${encodeURIComponent(value)}`);
    }
  };
  add("type", file.type);
  if (file.type !== "Training Data") {
    add("format", file.format);
  }
  add("size", file.size);
  add("fp", file.fp);
  return params.length === 0 ? base : `${base}?${params.join("&")}`;
}

/** Formats a version's files as the API does; `explicitPrimary` sends `primary: false` (model-version routes). */
export async function formatFiles(origin: string, version: CivitaiVersionSpec, explicitPrimary: boolean): Promise<unknown[]> {
  const files: unknown[] = [];
  for (const file of version.files) {
    const sha = (file.publishedSha256 ?? (await file.file.sha256())).toUpperCase();
    const metadata: Record<string, string> = { format: file.format };
    if (file.size !== undefined) {
      metadata.size = file.size;
    }
    if (file.fp !== undefined) {
      metadata.fp = file.fp;
    }
    const entry: Record<string, unknown> = {
      id: file.id,
      name: file.name,
      type: file.type,
      sizeKB: file.file.size / 1024,
      pickleScanResult: "Success",
      virusScanResult: "Success",
      scannedAt: "2026-10-02T11:05:40.002Z",
      metadata,
      hashes: { AutoV2: sha.slice(0, 10), SHA256: sha },
      downloadUrl: fileDownloadUrl(origin, version, file),
    };
    if (file.primary === true || explicitPrimary) {
      entry.primary = file.primary === true;
    }
    files.push(entry);
  }
  return files;
}

function gateFields(version: CivitaiVersionSpec): Record<string, unknown> {
  if (version.earlyAccessDeadline === undefined) {
    return { paidAccess: null };
  }
  return {
    paidAccess: { permanent: false, endsAt: version.earlyAccessDeadline },
    earlyAccessDeadline: version.earlyAccessDeadline,
  };
}

/** A version as it appears inside `/models` and `/models/{id}` items. */
export async function formatNestedVersion(origin: string, model: CivitaiModelSpec, version: CivitaiVersionSpec): Promise<Record<string, unknown>> {
  const hidden = model.mode !== undefined;
  return {
    id: version.id,
    name: version.name,
    baseModel: version.baseModel,
    baseModelType: "Standard",
    publishedAt: version.publishedAt ?? "2026-10-02T11:20:05.118Z",
    trainedWords: version.trainedWords ?? [],
    supportsGeneration: false,
    ...gateFields(version),
    stats: { downloadCount: 0, thumbsUpCount: 0, thumbsDownCount: 0 },
    files: hidden ? [] : await formatFiles(origin, version, false),
    images: [],
    ...(hidden ? {} : { downloadUrl: `${origin}/api/download/models/${version.id}` }),
  };
}

/** A model item as `/models` and `/models/{id}` return it. */
export async function formatModel(origin: string, model: CivitaiModelSpec): Promise<Record<string, unknown>> {
  const versions: unknown[] = [];
  for (const version of model.versions) {
    versions.push(await formatNestedVersion(origin, model, version));
  }
  const item: Record<string, unknown> = {
    id: model.id,
    name: model.name,
    description: `<p>${model.name}</p>`,
    type: model.type,
    poi: false,
    nsfw: model.nsfw === true,
    nsfwLevel: model.nsfw === true ? 4 : 1,
    minor: false,
    sfwOnly: false,
    availability: model.versions.some((v) => v.earlyAccessDeadline !== undefined) ? "EarlyAccess" : "Public",
    allowNoCredit: true,
    allowCommercialUse: "{Image,RentCivit}",
    allowDerivatives: true,
    allowDifferentLicense: false,
    supportsGeneration: false,
    stats: { downloadCount: model.downloadCount ?? 0, thumbsUpCount: 0, thumbsDownCount: 0, commentCount: 0, tippedAmountCount: 0 },
    creator: { username: model.creator ?? "fake-creator", image: null },
    tags: model.tags ?? [],
    modelVersions: versions,
  };
  if (model.mode !== undefined) {
    item.mode = model.mode;
  }
  return item;
}

/** A version as `/model-versions/{id}` and `/by-hash/{hash}` return it. */
export async function formatVersion(origin: string, model: CivitaiModelSpec, version: CivitaiVersionSpec): Promise<Record<string, unknown>> {
  return {
    id: version.id,
    modelId: model.id,
    name: version.name,
    description: null,
    baseModel: version.baseModel,
    baseModelType: "Standard",
    status: "Published",
    nsfwLevel: model.nsfw === true ? 4 : 1,
    createdAt: "2026-10-02T10:58:12.000Z",
    updatedAt: "2026-10-02T11:20:05.118Z",
    publishedAt: version.publishedAt ?? "2026-10-02T11:20:05.118Z",
    trainedWords: version.trainedWords ?? [],
    trainingStatus: null,
    trainingDetails: null,
    uploadType: "Created",
    usageControl: version.usageControl ?? "Download",
    ...gateFields(version),
    licensingFee: null,
    air: `urn:air:fake:${model.type.toLowerCase()}:civitai:${model.id}@${version.id}`,
    stats: { downloadCount: 0, thumbsUpCount: 0 },
    model: { name: model.name, type: model.type, nsfw: model.nsfw === true, poi: false },
    files: model.mode === undefined ? await formatFiles(origin, version, true) : [],
    images: [],
    downloadUrl: `${origin}/api/download/models/${version.id}`,
  };
}
