import { execFileSync } from "node:child_process";
import path from "node:path";

/** Builds dist/main.mjs before the suite runs. */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, "..");
  execFileSync(process.execPath, [path.join(root, "build.mjs")], { cwd: root, stdio: "inherit" });
}
