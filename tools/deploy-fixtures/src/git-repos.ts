/**
 * Local bare git repositories that stand in for GitHub in deploy tests: a "ComfyUI"
 * repository whose main.py runs the ComfyUI simulator, and custom-node repositories that
 * declare their node classes the way the simulator reads them.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.invalid",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.invalid",
  // Fixed dates give the same commit ids on every run, so two deploys compare equal.
  GIT_AUTHOR_DATE: "2025-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2025-01-01T00:00:00Z",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

function git(args: string[], cwd: string): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" }).trim();
}

/** One commit of a repository: files by relative path, and an optional tag on it. */
export interface FixtureCommit {
  files: Record<string, string>;
  tag?: string;
}

/** Creates `<root>/<name>.git` from `commits` (on branch master) and returns its file:// URL. */
export function bareRepository(root: string, name: string, commits: FixtureCommit[]): string {
  const bare = join(root, `${name}.git`);
  const work = mkdtempSync(join(tmpdir(), "fixture-work-"));
  try {
    git(["init", "--quiet", "--initial-branch=master", work], root);
    for (const commit of commits) {
      for (const [path, text] of Object.entries(commit.files)) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), text);
      }
      git(["add", "--all"], work);
      git(["commit", "--quiet", "--allow-empty", "-m", commit.tag ?? "fixture commit"], work);
      if (commit.tag !== undefined) {
        git(["tag", commit.tag], work);
      }
    }
    git(["clone", "--quiet", "--bare", work, bare], root);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return `file://${bare}`;
}

export interface ComfyuiRepoOptions {
  /** The Node binary that runs the simulator (Node 22). */
  node: string;
  /** The simulator bundle, tools/comfyui-sim/dist/main.mjs. */
  simulator: string;
  /** requirements.txt of the checkout: the torch stack as local wheels. */
  requirements: string[];
  /** Tags to create, one commit each, oldest first. */
  tags: string[];
}

/**
 * A ComfyUI stand-in: main.py replaces itself with the simulator (same pid, so PM2 tracks
 * it), passing the arguments through and the checkout as base directory, so custom_nodes/
 * and user/ live where ComfyUI keeps them.
 */
export function comfyuiRepository(root: string, options: ComfyuiRepoOptions): string {
  const mainPy = [
    "import os, sys",
    "here = os.path.dirname(os.path.abspath(__file__))",
    `node = ${JSON.stringify(options.node)}`,
    `sim = ${JSON.stringify(options.simulator)}`,
    'os.execv(node, [node, sim, "--base-directory", here, *sys.argv[1:]])',
    "",
  ].join("\n");
  const commits = options.tags.map((tag, index) => ({
    tag,
    files: {
      "main.py": mainPy,
      "requirements.txt": `${options.requirements.join("\n")}\n`,
      "comfy/cli_args.py": `# stand-in for ComfyUI's option table\nVERSION = "${tag}"\n`,
      "comfyui_version.py": `__version__ = "${tag.replace(/^v/, "")}"\n`,
      "custom_nodes/example_node.py.example": "# ComfyUI ships this example file\n",
      "README.md": `ComfyUI stand-in, commit ${index + 1}\n`,
    },
  }));
  return bareRepository(root, "ComfyUI", commits);
}

/** A custom-node pack for the simulator: its node classes, requirements and import behaviour. */
export interface NodePackOptions {
  /** Node class names; each is a text node with one STRING input that returns its text. */
  classes: string[];
  requirements?: string[];
  /** `"Type: message"`: the pack fails to import, as the simulator documents. */
  importError?: string;
  /** With `importError`, the failed import ends the simulator with status 1. */
  importExits?: boolean;
}

/** Creates a custom-node repository `<root>/<name>.git` with one commit and returns its URL. */
export function nodePackRepository(root: string, name: string, options: NodePackOptions): string {
  const nodes = Object.fromEntries(
    options.classes.map((className) => [
      className,
      {
        display_name: className,
        category: `fixtures/${name}`,
        input: { required: { text: ["STRING", { multiline: true }] } },
        output: ["STRING"],
        output_node: true,
        ui: "text",
        run_seconds: 0.05,
      },
    ]),
  );
  const declaration = {
    import_seconds: 0.05,
    ...(options.importError === undefined ? {} : { import_error: options.importError, import_exits: options.importExits === true }),
    nodes,
  };
  const files: Record<string, string> = {
    "__init__.py": "NODE_CLASS_MAPPINGS = {}\n",
    "comfyui-sim.json": `${JSON.stringify(declaration, null, 2)}\n`,
  };
  if (options.requirements !== undefined) {
    files["requirements.txt"] = `${options.requirements.join("\n")}\n`;
  }
  return bareRepository(root, name, [{ files }]);
}
