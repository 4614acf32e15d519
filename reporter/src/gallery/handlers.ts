/** The command handlers of the Gallery page, spread into the reporter's handler table. */
import { ComfyCarryError, galleryCommands } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import type { Gallery } from "./gallery.js";

export type GalleryHandlers = Pick<CommandHandlers, keyof typeof galleryCommands>;

export function createGalleryHandlers(gallery: Gallery): GalleryHandlers {
  return {
    "gallery.list": (args) => gallery.list(args),
    "gallery.thumbnail": (args) => gallery.thumbnail(args),
    "gallery.metadata": (args) => gallery.metadata(args),
    "gallery.read": (args) => gallery.read(args),
    "gallery.delete": (args, { log }) => {
      log.info({ root: args.root, count: args.paths.length }, "deleting gallery files");
      return gallery.delete(args);
    },
    "gallery.selection": (args) => gallery.select(args),
    "gallery.push": (args) => gallery.push(args),
  };
}

/** Handlers for a reporter whose gallery failed to start: each fails with `command_failed`. */
export function unavailableGalleryHandlers(reason: string): GalleryHandlers {
  const reject = (): Promise<never> => Promise.reject(new ComfyCarryError("command_failed", `the gallery is not available: ${reason}`));
  return Object.fromEntries(Object.keys(galleryCommands).map((name) => [name, reject])) as unknown as GalleryHandlers;
}
