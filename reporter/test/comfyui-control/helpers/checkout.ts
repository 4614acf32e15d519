/** A ComfyUI checkout for tests: a real git repository whose main.py starts the simulator. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { execa } from "execa";

import { SIMULATOR_ENTRY } from "../../helpers/simulator.js";

/** The fake Python: records pip calls, runs main.py through Node. */
export const FAKE_PYTHON = new URL("../fixtures/bin/python", import.meta.url).pathname;

/**
 * Tags the checkout gets, oldest first; `v0.3.99` has a main.py that exits at once. 0.3.76 is
 * the first core on which legacy Manager 3.38+ allows changes.
 */
export const CHECKOUT_TAGS = ["v0.3.75", "v0.3.76", "v0.3.99"] as const;

/** Runs git in `dir` with a fixed identity, so commits work on any machine. */
export async function git(dir: string, args: string[]): Promise<string> {
  const result = await execa("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=master", ...args], { cwd: dir });
  return result.stdout;
}

/**
 * main.py for the simulator: ComfyUI's base folder is the checkout itself, and the
 * version comes from the tag the test checked out.
 */
function mainPy(version: string, broken: boolean): string {
  const start = [
    `process.env.COMFYUI_SIM_BASE_DIR ??= __dirname;`,
    `process.env.COMFYUI_SIM_VERSION = ${JSON.stringify(version)};`,
    `import(${JSON.stringify(SIMULATOR_ENTRY)});`,
  ];
  if (broken) {
    // Prints its options like a good build, then fails at start-up.
    return [
      `if (process.argv.includes("--help")) {`,
      ...start.map((line) => `  ${line}`),
      `} else {`,
      `  process.stderr.write("Traceback (most recent call last):\\nImportError: broken build ${version}\\n");`,
      `  process.exit(1);`,
      `}`,
      "",
    ].join("\n");
  }
  return [...start, ""].join("\n");
}

/** Creates the checkout in `dir` with one commit per tag, leaving `v0.3.76` checked out. */
export async function createCheckout(dir: string): Promise<void> {
  mkdirSync(join(dir, "custom_nodes"), { recursive: true });
  await git(dir, ["init", "-q"]);
  writeFileSync(join(dir, ".gitignore"), "custom_nodes/\nmodels/\ninput/\noutput/\ntemp/\nuser/\n");

  for (const tag of CHECKOUT_TAGS) {
    const version = tag.slice(1);
    writeFileSync(join(dir, "main.py"), mainPy(version, tag === "v0.3.99"));
    writeFileSync(join(dir, "requirements.txt"), `comfyui-frontend-package==1.27.${version.split(".")[2]}\ntorch\n`);
    await git(dir, ["add", "-A"]);
    await git(dir, ["commit", "-q", "-m", `ComfyUI ${version}`]);
    await git(dir, ["tag", tag]);
  }
  await git(dir, ["checkout", "-q", "--detach", "refs/tags/v0.3.76"]);
}
