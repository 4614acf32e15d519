import { extname } from "node:path";

/** A test of a file's first bytes against one format's fixed leading bytes. */
type Signature = (head: Buffer) => boolean;

const ascii = (head: Buffer, offset: number, text: string): boolean => head.subarray(offset, offset + text.length).toString("latin1") === text;

/** ISO base media files (MP4, QuickTime, AVIF) start with a box. `ftyp` comes first in all but old QuickTime files. */
const isoBox = (types: string[]): Signature => (head) => types.some((type) => ascii(head, 4, type));

const SIGNATURES: Record<string, Signature> = {
  ".png": (head) => head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  ".jpg": (head) => head.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])),
  ".jpeg": (head) => head.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])),
  ".gif": (head) => ascii(head, 0, "GIF87a") || ascii(head, 0, "GIF89a"),
  ".webp": (head) => ascii(head, 0, "RIFF") && ascii(head, 8, "WEBP"),
  ".bmp": (head) => ascii(head, 0, "BM"),
  ".tif": (head) => ascii(head, 0, "II*\0") || ascii(head, 0, "MM\0*"),
  ".tiff": (head) => ascii(head, 0, "II*\0") || ascii(head, 0, "MM\0*"),
  ".avif": isoBox(["ftyp"]),
  ".mp4": isoBox(["ftyp"]),
  ".mov": isoBox(["ftyp", "moov", "mdat", "wide", "free", "skip"]),
  // WebM and Matroska share the EBML header.
  ".webm": (head) => head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])),
  ".mkv": (head) => head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])),
  ".avi": (head) => ascii(head, 0, "RIFF") && ascii(head, 8, "AVI "),
};

/**
 * Checks an image's or video's first bytes against the format its extension names. A name
 * with no known signature passes, because the input folder takes only the extensions listed
 * in kinds.ts, and all of them are here.
 */
export function matchesMediaSignature(name: string, head: Buffer): boolean {
  const signature = SIGNATURES[extname(name).toLowerCase()];
  return signature === undefined || signature(head);
}
