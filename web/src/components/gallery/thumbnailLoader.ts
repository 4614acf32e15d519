import { sendCommand } from "../../composables/instanceCommand";

import type { GalleryRoot } from "@comfycarry/shared";

/** Thumbnails requested at the same time; more wait in line so scrolling stays smooth. */
const PARALLEL = 4;

/**
 * Loads thumbnails through the edge, each at most once per page visit. A tile requests its
 * thumbnail when it scrolls into view, and the result (an object URL, or null for no picture) is kept.
 */
export class ThumbnailLoader {
  readonly #instanceId: string;
  readonly #cache = new Map<string, Promise<string | null>>();
  readonly #waiting: Array<() => void> = [];
  #active = 0;
  /** Commands sent so far, for tests that check thumbnails load lazily. */
  requests = 0;

  constructor(instanceId: string) {
    this.#instanceId = instanceId;
  }

  /** Returns the object URL of a thumbnail (null for files without one), loading it on first request; rejects when the command fails. */
  load(root: GalleryRoot, path: string): Promise<string | null> {
    const key = `${root}:${path}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const pending = this.#fetch(root, path);
    this.#cache.set(key, pending);
    // A failed request (timeout, instance offline) is forgotten, so the tile can try again later.
    pending.catch(() => this.#cache.delete(key));
    return pending;
  }

  /** Frees every object URL; call when the page closes. */
  async dispose(): Promise<void> {
    const urls = await Promise.all([...this.#cache.values()].map((pending) => pending.catch(() => null)));
    for (const url of urls) {
      if (url !== null) {
        URL.revokeObjectURL(url);
      }
    }
    this.#cache.clear();
  }

  async #fetch(root: GalleryRoot, path: string): Promise<string | null> {
    if (this.#active >= PARALLEL) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active += 1;
    }
    try {
      this.requests += 1;
      const result = await sendCommand(this.#instanceId, "gallery.thumbnail", { root, path });
      if (!result.ok) {
        throw new Error(`thumbnail of ${path} failed: ${result.error.code}`);
      }
      if (result.data.data_base64 === null) {
        return null;
      }
      const binary = atob(result.data.data_base64);
      const bytes = new Uint8Array(binary.length);
      for (let index = 0; index < binary.length; index += 1) {
        bytes[index] = binary.charCodeAt(index);
      }
      return URL.createObjectURL(new Blob([bytes], { type: result.data.mime }));
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) {
        this.#active -= 1;
      } else {
        next();
      }
    }
  }
}
