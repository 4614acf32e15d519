import { GALLERY_PROXY_PREFIX, GALLERY_RELAY_MAX_BYTES } from "@comfycarry/shared";

import type { GalleryItem, GalleryRoot, Overview } from "@comfycarry/shared";

/** Items of one calendar day in the viewer's time zone, newest day first. */
export interface DayGroup {
  /** `YYYY-MM-DD` in local time, the group's key. */
  day: string;
  items: GalleryItem[];
}

function localDay(timestamp: string): string {
  const date = new Date(timestamp);
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${day}`;
}

/** Groups a newest-first list by local day, keeping the order inside each day. */
export function groupByDay(items: readonly GalleryItem[]): DayGroup[] {
  const groups: DayGroup[] = [];
  for (const item of items) {
    const day = localDay(item.modified_at);
    const last = groups.at(-1);
    if (last?.day === day) {
      last.items.push(item);
    } else {
      groups.push({ day, items: [item] });
    }
  }
  return groups;
}

/** Returns whether a file can be opened full size without a tunnel, through edge relay chunks. */
export function fitsRelay(item: Pick<GalleryItem, "size">): boolean {
  return item.size <= GALLERY_RELAY_MAX_BYTES;
}

/**
 * Returns the origin of the instance's access proxy from the tunnel section, or null when no
 * tunnel is online. Only http(s) links count, so a bad value from the container never becomes a script URL.
 */
export function proxyOrigin(tunnel: Overview["tunnel"] | null | undefined): string | null {
  if (tunnel === null || tunnel === undefined || !tunnel.available || tunnel.state !== "online") {
    return null;
  }
  for (const link of tunnel.links) {
    try {
      const url = new URL(link.url);
      if (url.protocol === "https:" || url.protocol === "http:") {
        return url.origin;
      }
    } catch {
      // Not a URL: try the next link.
    }
  }
  return null;
}

/** Returns the proxy address of one full-size file. */
export function fileUrl(origin: string, root: GalleryRoot, path: string, download = false): string {
  const query = new URLSearchParams({ root, path });
  if (download) {
    query.set("download", "1");
  }
  return `${origin}${GALLERY_PROXY_PREFIX}/file?${query.toString()}`;
}

/** Returns the proxy address of a stored zip selection. */
export function zipUrl(origin: string, selectionId: string): string {
  return `${origin}${GALLERY_PROXY_PREFIX}/zip?selection=${encodeURIComponent(selectionId)}`;
}

/** Formats a byte count with binary units, e.g. `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit] ?? ""}`;
}
