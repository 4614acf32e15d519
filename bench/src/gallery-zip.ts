import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { rssBytes } from "./process-usage.js";

const CHILD = fileURLToPath(new URL("./gallery-zip-child.ts", import.meta.url));

export interface GalleryZipBenchOptions {
  images: number;
  imageBytes: number;
}

/** One streamed download: bytes received, time taken and the server's RSS growth over its idle RSS. */
export interface StreamFigures {
  bytes: number;
  seconds: number;
  rssGrowthBytes: number;
}

export interface GalleryZipBenchResult {
  /** Baseline: the same number of bytes as one file through the file route. */
  single: StreamFigures;
  /** The zip of every image through the zip route. */
  zip: StreamFigures;
  totalImageBytes: number;
}

/**
 * Writes `count` incompressible stand-ins for generated images. Each file starts with the
 * PNG signature and continues with random bytes, so a stored zip entry costs its
 * full size and nothing in the path can shrink it.
 */
async function writeImages(dir: string, count: number, size: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const body = randomBytes(size);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(body, 0);
  for (let index = 0; index < count; index += 1) {
    // A different last word per file, so no two images are byte-identical.
    body.writeUInt32LE(index, size - 4);
    await writeFile(join(dir, `ComfyUI_${String(index).padStart(5, "0")}_.png`), body);
  }
}

async function startChild(comfyui: string, state: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify({ comfyui, state })], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`gallery bench child exited with ${String(code)} before listening`)));
    createInterface({ input: child.stdout ?? process.stdin }).once("line", (line) => {
      const parsed = JSON.parse(line) as { port?: unknown };
      if (typeof parsed.port === "number") {
        resolve(parsed.port);
      } else {
        reject(new Error(`unexpected line from the gallery bench child: ${line}`));
      }
    });
  });
  return { child, port };
}

/** Downloads `url` to nowhere while sampling the child's RSS every 50 ms. */
async function measureStream(pid: number, url: string, init: RequestInit): Promise<StreamFigures> {
  const idle = await rssBytes(pid);
  let peak = idle;
  const sampler = setInterval(() => {
    rssBytes(pid).then(
      (value) => {
        peak = Math.max(peak, value);
      },
      () => undefined,
    );
  }, 50);
  const started = performance.now();
  let bytes = 0;
  try {
    const response = await fetch(url, init);
    if (!response.ok || response.body === null) {
      throw new Error(`GET ${url} failed with ${response.status}: ${await response.text()}`);
    }
    for await (const chunk of response.body) {
      bytes += chunk.byteLength;
    }
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, await rssBytes(pid));
  return { bytes, seconds: (performance.now() - started) / 1000, rssGrowthBytes: peak - idle };
}

/**
 * Streams a zip of `images` files from the gallery's zip route in a separate process and
 * records that process's RSS growth. The baseline in the same run is one file of the
 * same total size through the file route, a plain stream with no zip in the path.
 */
export async function runGalleryZipBench(options: GalleryZipBenchOptions): Promise<GalleryZipBenchResult> {
  const root = await mkdtemp(join(tmpdir(), "cc-bench-gallery-"));
  const comfyui = join(root, "ComfyUI");
  let child: ChildProcess | null = null;
  try {
    await writeImages(join(comfyui, "output"), options.images, options.imageBytes);
    const totalImageBytes = options.images * options.imageBytes;
    await writeImages(join(comfyui, "output", "baseline"), 1, totalImageBytes);

    const started = await startChild(comfyui, join(root, "state"));
    child = started.child;
    const pid = child.pid ?? 0;
    const base = `http://127.0.0.1:${started.port}/__cc/gallery`;

    const zipForm = (count: number) =>
      new URLSearchParams([["root", "output"], ...Array.from({ length: count }, (_, index): [string, string] => ["path", `ComfyUI_${String(index).padStart(5, "0")}_.png`])]);

    // One small request on each route first, so module loading and first buffers are not counted as growth.
    await measureStream(pid, `${base}/file?root=output&path=ComfyUI_00000_.png`, {});
    await measureStream(pid, `${base}/zip`, { method: "POST", body: zipForm(Math.min(10, options.images)) });
    const single = await measureStream(pid, `${base}/file?root=output&path=baseline/ComfyUI_00000_.png`, {});
    const zip = await measureStream(pid, `${base}/zip`, { method: "POST", body: zipForm(options.images) });
    return { single, zip, totalImageBytes };
  } finally {
    child?.kill("SIGTERM");
    await rm(root, { recursive: true, force: true });
  }
}
