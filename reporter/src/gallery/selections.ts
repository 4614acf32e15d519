import { randomBytes } from "node:crypto";

import type { GalleryRoot } from "@comfycarry/shared";

/** How long a stored selection can be downloaded, in milliseconds. */
export const SELECTION_TTL_MS = 10 * 60_000;

const MAX_SELECTIONS = 100;

interface StoredSelection {
  root: GalleryRoot;
  paths: string[];
  expiresAt: number;
}

/** Selections waiting to be downloaded as a zip, kept in memory for SELECTION_TTL_MS. */
export class SelectionStore {
  readonly #selections = new Map<string, StoredSelection>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Stores a selection and returns its unguessable id and expiry (ms since epoch). */
  add(root: GalleryRoot, paths: string[]): { id: string; expiresAt: number } {
    this.#prune();
    const id = randomBytes(18).toString("base64url");
    const expiresAt = this.#now() + SELECTION_TTL_MS;
    this.#selections.set(id, { root, paths: [...paths], expiresAt });
    return { id, expiresAt };
  }

  /** Returns a stored selection, or null when unknown or expired. */
  get(id: string): { root: GalleryRoot; paths: string[] } | null {
    const found = this.#selections.get(id);
    if (found === undefined || found.expiresAt < this.#now()) {
      return null;
    }
    return { root: found.root, paths: found.paths };
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, selection] of this.#selections) {
      if (selection.expiresAt < now) {
        this.#selections.delete(id);
      }
    }
    // The oldest entries go first when a client stores many selections in ten minutes.
    while (this.#selections.size >= MAX_SELECTIONS) {
      const oldest = this.#selections.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.#selections.delete(oldest);
    }
  }
}
