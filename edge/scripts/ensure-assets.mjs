// Writes a placeholder dashboard into web/dist when the web build has not run yet, because
// wrangler refuses to start while the `[assets]` directory named in wrangler.toml is missing.
// A real `npm run build -w web` replaces the whole folder.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const distUrl = new URL("../../web/dist/", import.meta.url);

const PLACEHOLDER = [
  "<!doctype html>",
  '<html lang="en"><head><meta charset="utf-8"><title>ComfyCarry</title></head>',
  "<body><p>The dashboard is not built yet. Run <code>npm run build -w web</code>, then reload.</p></body></html>",
  "",
].join("\n");

/** Creates web/dist with a placeholder index.html unless the folder exists; returns its path. */
export function ensureAssets() {
  const distDir = fileURLToPath(distUrl);
  if (!existsSync(distDir)) {
    mkdirSync(distDir, { recursive: true });
    writeFileSync(new URL("index.html", distUrl), PLACEHOLDER);
    console.log(`ensure-assets: wrote a placeholder page to ${distDir}`);
  }
  return distDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureAssets();
}
