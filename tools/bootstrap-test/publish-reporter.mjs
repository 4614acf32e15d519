// Publishes the reporter bundle and bootstrap.sh with the dashboard's static files, so the
// edge serves them: web/dist/reporter/reporter.mjs, web/dist/reporter/manifest.json (version
// SHA-256 and runtime packages, which bootstrap.sh reads before it downloads) and
// web/dist/bootstrap.sh.
// Run it after `npm run build -w reporter` and `npm run build -w web`.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const repo = new URL("../../", import.meta.url);
const bundleUrl = new URL("reporter/dist/reporter.mjs", repo);
const outDir = new URL("web/dist/reporter/", repo);

/**
 * Packages the bundle leaves out that the reporter cannot start without, with the version
 * ranges that reporter/package.json lists. PM2 comes from the PM2 that runs the reporter, and ws
 * works without its optional native add-ons (bufferutil, utf-8-validate).
 */
async function runtimeDependencies() {
  const build = await readFile(new URL("reporter/build.mjs", repo), "utf8");
  const externals = JSON.parse((/external:\s*(\[[^\]]*\])/.exec(build)?.[1] ?? "[]").replaceAll("'", '"'));
  const { dependencies = {}, optionalDependencies = {} } = JSON.parse(await readFile(new URL("reporter/package.json", repo), "utf8"));
  const required = externals.filter((name) => !["pm2", "bufferutil", "utf-8-validate"].includes(name));
  return Object.fromEntries(
    required.map((name) => {
      const range = dependencies[name] ?? optionalDependencies[name];
      if (range === undefined) {
        throw new Error(`reporter/build.mjs leaves ${name} out of the bundle, but reporter/package.json does not list it`);
      }
      return [name, range];
    }),
  );
}

/** Copies the bundle and writes its manifest; returns the manifest. */
export async function publishReporter() {
  const bundle = await readFile(bundleUrl).catch(() => {
    throw new Error(`${fileURLToPath(bundleUrl)} is missing; run 'npm run build -w reporter' first`);
  });
  const { version } = JSON.parse(await readFile(new URL("reporter/package.json", repo), "utf8"));
  const manifest = { version, sha256: createHash("sha256").update(bundle).digest("hex"), bytes: bundle.length, dependencies: await runtimeDependencies() };

  await mkdir(outDir, { recursive: true });
  // Written under a temporary name first, so an edge serving the folder never sends half a file.
  await writeFile(new URL("reporter.mjs.partial", outDir), bundle);
  await rename(new URL("reporter.mjs.partial", outDir), new URL("reporter.mjs", outDir));
  await writeFile(new URL("manifest.json", outDir), `${JSON.stringify(manifest)}\n`);
  await copyFile(new URL("bootstrap.sh", repo), new URL("web/dist/bootstrap.sh", repo));
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The web build calls this with --if-built, so a dashboard-only build still succeeds.
  if (process.argv.includes("--if-built") && !existsSync(bundleUrl)) {
    console.warn(`publish-reporter: ${fileURLToPath(bundleUrl)} is missing, so bootstrap.sh cannot fetch a reporter from this build; run 'npm run build -w reporter' and then 'npm run build -w web'`);
    process.exit(0);
  }
  const manifest = await publishReporter();
  console.log(`publish-reporter: reporter ${manifest.version} (${manifest.sha256.slice(0, 12)}…) in ${fileURLToPath(outDir)}`);
}
