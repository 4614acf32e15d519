/**
 * Tiny Python wheels for tests that run pip with `--no-index --find-links`: a zip with the
 * package's `__init__.py`, METADATA, WHEEL and RECORD. Entries are stored (not compressed)
 * with a fixed time, so the same input always gives the same bytes.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";

export interface WheelSpec {
  /** Distribution name as pip resolves it, e.g. `torch` or `flash-attn`. */
  name: string;
  version: string;
  /** `Requires-Dist` lines, e.g. `numpy>=2`. */
  requires?: string[];
}

/** Returns the wheel file name pip expects: dashes in the name become underscores. */
export function wheelFileName(spec: WheelSpec): string {
  return `${normalized(spec.name)}-${spec.version}-py3-none-any.whl`;
}

/** Writes the wheel into `dir` and returns its path. */
export function writeWheel(dir: string, spec: WheelSpec): string {
  const module = normalized(spec.name).toLowerCase();
  const distInfo = `${normalized(spec.name)}-${spec.version}.dist-info`;
  const metadata = [`Metadata-Version: 2.1`, `Name: ${spec.name}`, `Version: ${spec.version}`, ...(spec.requires ?? []).map((line) => `Requires-Dist: ${line}`), ""].join("\n");
  const files: Array<[string, string]> = [
    [`${module}/__init__.py`, `__version__ = "${spec.version}"\n`],
    [`${distInfo}/METADATA`, metadata],
    [`${distInfo}/WHEEL`, "Wheel-Version: 1.0\nGenerator: comfycarry-deploy-fixtures\nRoot-Is-Purelib: true\nTag: py3-none-any\n"],
  ];
  const record = [...files.map(([path, text]) => `${path},sha256=${recordHash(text)},${Buffer.byteLength(text)}`), `${distInfo}/RECORD,,`, ""].join("\n");
  files.push([`${distInfo}/RECORD`, record]);

  const path = join(dir, wheelFileName(spec));
  writeFileSync(path, storedZip(files));
  return path;
}

function normalized(name: string): string {
  return name.replace(/[-.]+/g, "_");
}

/** RECORD's hash form: urlsafe base64 of the SHA-256, without padding. */
function recordHash(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** DOS date and time of 1980-01-01 00:00, the zip format's earliest. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** Builds a zip archive of stored entries: local headers, data, central directory, end record. */
function storedZip(files: Array<[string, string]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;

  for (const [name, text] of files) {
    const nameBytes = Buffer.from(name, "utf8");
    const data = Buffer.from(text, "utf8");
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + data.length;
  }

  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
