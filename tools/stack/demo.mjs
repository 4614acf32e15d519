// `npm run demo`: install what is missing, build, then start the local stack and print
// the dashboard address and login. Ctrl-C, or closing the terminal, stops everything it started.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { ensureInstalled, repoRoot, runNpmScript, withPinnedNode } from "../bootstrap-node.mjs";

const args = process.argv.slice(2);

// --no-build starts what is installed and built as it is (tests, and repeated demo runs).
if (!args.includes("--no-build")) {
  ensureInstalled();
  runNpmScript("build");
}

// demo.ts runs on the pinned Node with tsx as a loader, not under the tsx CLI. On Ctrl-C the
// CLI waits 30 ms for its child to confirm the signal, and SIGKILLs it after a second miss.
// A demo that did not run within that time (a loaded machine) was killed before it stopped
// PM2, so the PM2 daemon and its processes stayed running.
const child = spawn(
  join(repoRoot, "node_modules/.bin/node"),
  ["--import", pathToFileURL(join(repoRoot, "node_modules/tsx/dist/loader.mjs")).href, join(repoRoot, "tools/stack/src/demo.ts"), ...args],
  { cwd: repoRoot, stdio: "inherit", env: withPinnedNode(process.env) },
);

// Ctrl-C also reaches demo.ts from the terminal, and it stops once however many signals arrive.
// A signal sent to this process alone (kill <pid>) must reach it too. SIGHUP (the terminal was
// closed) is handled too, so that this process waits for demo.ts to stop and reports its exit code.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 130)));
