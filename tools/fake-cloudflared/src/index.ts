/** @module Where the fake cloudflared lives, for tests that put it on PATH. */
import { fileURLToPath } from "node:url";

/** The folder holding the `cloudflared` wrapper script; prepend it to PATH. */
export const FAKE_CLOUDFLARED_BIN_DIR = fileURLToPath(new URL("../bin", import.meta.url));

/** The wrapper script itself. */
export const FAKE_CLOUDFLARED = fileURLToPath(new URL("../bin/cloudflared", import.meta.url));
