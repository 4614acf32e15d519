import type { Sharp, SharpOptions } from "sharp";

type SharpFactory = (input?: string | Buffer, options?: SharpOptions) => Sharp;

let loading: Promise<SharpFactory> | null = null;

/**
 * Loads sharp at its first use. Importing it maps libvips and its dependencies into the
 * process (RSS +31.8 MiB in a bare Node 22.23 process on x86-64 Linux), which the reporter
 * does not need until the gallery makes a thumbnail or reads an image's metadata.
 */
export function loadSharp(): Promise<SharpFactory> {
  loading ??= import("sharp").then(({ default: sharp }) => {
    // The reporter shares the container with ComfyUI: libvips keeps no cache between
    // thumbnails and uses one thread per image.
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  });
  return loading;
}
