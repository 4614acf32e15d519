/**
 * A ComfyUI install as the reporter's ComfyUI control expects one, for the opt-in
 * `comfyuiCheckout` stack option: a git checkout whose main.py starts the simulator, and a
 * stand-in Python that runs main.py through Node and answers `-m pip` without installing.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { execa } from "execa";

import { paths } from "./paths.js";

/** Tags of the checkout, oldest first; the newest is checked out (Manager 3.38+ allows changes from 0.3.76). */
export const CHECKOUT_TAGS = ["v0.3.75", "v0.3.76"] as const;

async function git(dir: string, args: string[]): Promise<void> {
  await execa("git", ["-c", "user.name=stack", "-c", "user.email=stack@example.invalid", "-c", "init.defaultBranch=master", ...args], { cwd: dir });
}

/** main.py is JavaScript: the stand-in Python hands it to Node. ComfyUI's base folder is the checkout. */
function mainPy(version: string): string {
  return [
    `process.env.COMFYUI_SIM_BASE_DIR ??= __dirname;`,
    `process.env.COMFYUI_SIM_VERSION = ${JSON.stringify(version)};`,
    `import(${JSON.stringify(paths.simulatorEntry)});`,
    "",
  ].join("\n");
}

/** Creates the checkout in `dir` unless it already has main.py; files already in custom_nodes stay. */
export async function createComfyuiCheckout(dir: string): Promise<void> {
  if (existsSync(join(dir, "main.py"))) {
    return;
  }
  await mkdir(join(dir, "custom_nodes"), { recursive: true });
  await git(dir, ["init", "-q"]);
  await writeFile(join(dir, ".gitignore"), "custom_nodes/\nmodels/\ninput/\noutput/\ntemp/\nuser/\n");
  for (const tag of CHECKOUT_TAGS) {
    await writeFile(join(dir, "main.py"), mainPy(tag.slice(1)));
    await writeFile(join(dir, "requirements.txt"), "torch\n");
    await git(dir, ["add", "-A"]);
    await git(dir, ["commit", "-q", "-m", `ComfyUI ${tag}`]);
    await git(dir, ["tag", tag]);
  }
  await git(dir, ["checkout", "-q", "--detach", `refs/tags/${CHECKOUT_TAGS[CHECKOUT_TAGS.length - 1] ?? ""}`]);
}

const FAKE_PYTHON = `#!/bin/sh
# Stand-in for ComfyUI's Python in the local stack: "-m pip" installs nothing ("freeze" prints a
# torch build for the reporter's constraints); anything else runs as JavaScript under Node.
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  if [ "$3" = "freeze" ]; then
    echo "torch==2.8.0+cu128"
  fi
  exit 0
fi
exec "\${FAKE_PYTHON_NODE:-node}" "$@"
`;

/** Writes the stand-in Python into `binDir` and returns its path. */
export async function writeFakePython(binDir: string): Promise<string> {
  await mkdir(binDir, { recursive: true });
  const path = join(binDir, "python");
  await writeFile(path, FAKE_PYTHON);
  await chmod(path, 0o755);
  return path;
}
