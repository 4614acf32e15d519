/** @module Instance ids: a slug of the name plus a short random suffix, matching `instanceIdSchema`. */
import { instanceIdSchema } from "@comfycarry/shared";

const SUFFIX_LENGTH = 6;
const SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Slug length cap, leaving room for "-" and the suffix within the 63 characters the schema allows. */
const MAX_SLUG_LENGTH = 40;

/** Used when a name has no Latin letters or digits to build a slug from, e.g. "训练机". */
const FALLBACK_SLUG = "instance";

/** Lower-cases `name`, drops accents and turns every other run of characters into one "-". */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{Mark}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/^-+|-+$/g, "");
  return slug === "" ? FALLBACK_SLUG : slug;
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SUFFIX_LENGTH));
  // 256 % 36 leaves a slight bias towards the first letters, harmless for an id that is not a secret.
  return [...bytes].map((byte) => SUFFIX_ALPHABET.charAt(byte % SUFFIX_ALPHABET.length)).join("");
}

/** Builds a new instance id for `name`; the caller retries on the rare collision. */
export function newInstanceId(name: string): string {
  return instanceIdSchema.parse(`${slugify(name)}-${randomSuffix()}`);
}
