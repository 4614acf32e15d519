import type { Sharp, SharpOptions } from "sharp";

type SharpFactory = (input?: string | Buffer, options?: SharpOptions) => Sharp;

let loading: Promise<SharpFactory> | null = null;

/**
 * Loads sharp at its first use. Importing it maps libvips and its dependencies into the
 * process (about 10 MB of RSS), which a reporter whose gallery nobody opens never needs.
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
