/** Real image bytes for simulated outputs: PNGs with ComfyUI's text chunks, and JPEG previews. */
import { crc32 } from "node:zlib";

import jpeg from "jpeg-js";
import { PNG } from "pngjs";

/** Fills an RGBA buffer with a gradient tinted by `seed`, so different runs give different pictures. */
function paint(width: number, height: number, seed: number, step = 1): Buffer {
  const pixels = Buffer.alloc(width * height * 4);
  const hue = (seed % 360) / 360;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const offset = (y * width + x) * 4;
      pixels[offset] = Math.floor((x / width) * 255 * step) & 0xff;
      pixels[offset + 1] = Math.floor((y / height) * 255) & 0xff;
      pixels[offset + 2] = Math.floor(hue * 255) & 0xff;
      pixels[offset + 3] = 255;
    }
  }
  return pixels;
}

function textChunk(keyword: string, text: string): Buffer {
  const data = Buffer.concat([Buffer.from(keyword, "latin1"), Buffer.from([0]), Buffer.from(text, "latin1")]);
  const type = Buffer.from("tEXt", "ascii");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])) >>> 0);
  return Buffer.concat([length, type, data, crc]);
}

/**
 * Encodes an RGB PNG and puts `tEXt` chunks right after IHDR, where Pillow writes
 * `PngInfo` text (ComfyUI stores `prompt` and `workflow` there).
 */
export function encodePng(width: number, height: number, seed: number, texts: Array<[string, string]>): Buffer {
  const png = new PNG({ width, height, colorType: 2 });
  png.data = paint(width, height, seed);
  const encoded = PNG.sync.write(png, { colorType: 2 });
  if (texts.length === 0) {
    return encoded;
  }
  // The signature is 8 bytes and IHDR is 4 + 4 + 13 + 4 bytes.
  const ihdrEnd = 8 + 25;
  return Buffer.concat([encoded.subarray(0, ihdrEnd), ...texts.map(([key, text]) => textChunk(key, text)), encoded.subarray(ihdrEnd)]);
}

/** Encodes a JPEG preview at quality 95, as ComfyUI sends latent previews. */
export function encodePreviewJpeg(size: number, seed: number, step: number, steps: number): Buffer {
  const side = Math.max(8, Math.min(size, 64));
  const frame = { data: paint(side, side, seed, steps > 0 ? step / steps : 1), width: side, height: side };
  return Buffer.from(jpeg.encode(frame, 95).data);
}

/** Reads the width and height of a PNG from its IHDR; null when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length < 24 || bytes.toString("ascii", 12, 16) !== "IHDR") {
    return null;
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Re-encodes a PNG with only its RGB channels, or only its alpha as grey, for `/view?channel=`. */
export function pngChannel(bytes: Buffer, channel: "rgb" | "a"): Buffer {
  const source = PNG.sync.read(bytes);
  const out = new PNG({ width: source.width, height: source.height });
  for (let offset = 0; offset < source.data.length; offset += 4) {
    const alpha = source.data[offset + 3] ?? 255;
    if (channel === "rgb") {
      out.data[offset] = source.data[offset] ?? 0;
      out.data[offset + 1] = source.data[offset + 1] ?? 0;
      out.data[offset + 2] = source.data[offset + 2] ?? 0;
      out.data[offset + 3] = 255;
    } else {
      out.data[offset] = alpha;
      out.data[offset + 1] = alpha;
      out.data[offset + 2] = alpha;
      out.data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(out, { colorType: channel === "rgb" ? 2 : 0, inputColorType: 6 });
}

/** Re-encodes a PNG as JPEG at `quality`, for `/view?preview=`. */
export function pngToJpeg(bytes: Buffer, quality: number): Buffer {
  const source = PNG.sync.read(bytes);
  return Buffer.from(jpeg.encode({ data: source.data, width: source.width, height: source.height }, quality).data);
}
