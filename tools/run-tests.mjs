// `npm test`: builds everything, type-checks every workspace, then runs each workspace's
// vitest suite and prints one closing line with the totals. `npm run test:soak` runs the
// same suites with COMFYCARRY_SOAK=1, which raises the repetition counts.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

import { ensureInstalled, repoRoot, runNpmScript, withPinnedNode } from "./bootstrap-node.mjs";
import { ensureTestPackages } from "./system-deps.mjs";

/** Suites in the order they run: units first, then the ones that start the whole stack. */
const suites = [
  { name: "shared", workspace: "@comfycarry/shared" },
  { name: "fake-nvidia-smi", workspace: "@comfycarry/fake-nvidia-smi" },
  { name: "comfyui-sim", workspace: "@comfycarry/comfyui-sim" },
  { name: "fake-model-hosts", workspace: "@comfycarry/fake-model-hosts" },
  { name: "fake-cloudflared", workspace: "@comfycarry/fake-cloudflared" },
  { name: "fake-cloudflare-api", workspace: "@comfycarry/fake-cloudflare-api" },
  { name: "fake-providers", workspace: "@comfycarry/fake-providers" },
  { name: "edge", workspace: "@comfycarry/edge" },
  { name: "reporter", workspace: "@comfycarry/reporter" },
  { name: "web", workspace: "@comfycarry/web" },
  { name: "stack", workspace: "@comfycarry/stack" },
  { name: "bootstrap", workspace: "@comfycarry/bootstrap-test" },
  { name: "bench", workspace: "@comfycarry/bench" },
];

const only = process.argv.slice(2);
const resultsDir = join(repoRoot, ".state/test-results");

ensureTestPackages();
ensureInstalled();
if (process.env.COMFYCARRY_SKIP_BUILD !== "1") {
  runNpmScript("build");
  runNpmScript("typecheck");
}
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const rows = [];
let crashed = false;

for (const suite of suites) {
  if (only.length > 0 && !only.includes(suite.name)) {
    continue;
  }
  const outputFile = join(resultsDir, `${suite.name}.json`);
  console.log(`\n[comfycarry] ── ${suite.name} ──`);
  const started = Date.now();
  const result = spawnSync(
    "npm",
    ["run", "test", "--if-present", "-w", suite.workspace, "--", "--reporter=default", "--reporter=json", `--outputFile=${outputFile}`],
    { cwd: repoRoot, stdio: "inherit", env: withPinnedNode(process.env) },
  );
  const seconds = Math.round((Date.now() - started) / 1000);

  if (!existsSync(outputFile)) {
    crashed = crashed || result.status !== 0;
    rows.push(`${suite.name}: no results (exit ${result.status}) in ${seconds} s`);
    continue;
  }
  const report = JSON.parse(readFileSync(outputFile, "utf8"));
  const passed = report.numPassedTests ?? 0;
  // A file that fails to load has no failed test of its own, so count it as one failure.
  const failedTests = report.numFailedTests ?? 0;
  const failed = failedTests > 0 ? failedTests : (report.numFailedTestSuites ?? 0);
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  if (result.status !== 0 && failed === 0) {
    crashed = true;
  }
  rows.push(`${suite.name}: ${passed} passed, ${failed} failed, ${skipped} skipped in ${seconds} s`);
}

console.log("\n[comfycarry] summary");
for (const row of rows) {
  console.log(`  ${row}`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || crashed ? 1 : 0);
