/**
 * ComfyUI: adopt the install at COMFYUI_DIR with its Python environment, or clone the chosen
 * ref and build a venv. A clone lands in a scratch folder first and is renamed into place.
 * A marker file brackets each venv build. So after a kill at any point, the next run finds
 * either nothing or something it recognises as unfinished and rebuilds.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { z } from "zod";

import type { DeployStepDefinition, StepContext } from "../context.js";
import { DeployStepError, describeExit } from "../context.js";
import { gitOutput, newestStableTag, stepGit } from "../git-run.js";

export const comfyuiOutcomeSchema = z.object({
  adopted: z.boolean(),
  commit: z.string().nullable(),
  ref: z.string().nullable(),
  python: z.string(),
});
export type ComfyuiOutcome = z.infer<typeof comfyuiOutcomeSchema>;

/** Present while a venv is being built; a run that finds it rebuilds the venv. */
function buildMarker(context: StepContext): string {
  return join(context.settings.stateDir, "venv-building");
}

/** Present once this engine cloned COMFYUI_DIR, which makes it a checkout to manage rather than an install to adopt. */
function clonedMarker(context: StepContext): string {
  return join(context.settings.stateDir, "comfyui-cloned");
}

function venvPython(context: StepContext): string {
  return join(context.settings.comfyuiDir, "venv", "bin", "python");
}

export const comfyuiStep: DeployStepDefinition = {
  id: "comfyui",
  kind: "change",
  async inputs(context) {
    const repository = context.request.comfyui_repository ?? context.settings.defaultRepository;
    return { repository, ref: await resolveRef(context, repository), adopted_python: context.settings.adoptedPython, dir: context.settings.comfyuiDir };
  },
  async stillValid(context, recorded) {
    const outcome = comfyuiOutcomeSchema.safeParse(recorded);
    if (!outcome.success || existsSync(buildMarker(context)) || !existsSync(join(context.settings.comfyuiDir, "main.py"))) {
      return false;
    }
    if (outcome.data.python.startsWith("/") && !existsSync(outcome.data.python)) {
      return false;
    }
    return outcome.data.commit === null || outcome.data.commit === (await headCommit(context.settings.comfyuiDir));
  },
  async run(context) {
    const repository = context.request.comfyui_repository ?? context.settings.defaultRepository;
    const ref = await resolveRef(context, repository);
    const dir = context.settings.comfyuiDir;

    // The marker is written before the clone is moved into place, so a checkout this engine made is never taken for the owner's own install.
    const adopted = existsSync(join(dir, "main.py")) && !existsSync(clonedMarker(context));
    // .git is moved in last. Without it, a folder that is not an install to adopt is absent, contains only the reporter's folders, or is a move that was cut off.
    if (!adopted && !existsSync(join(dir, ".git"))) {
      await cloneInto(context, repository, dir);
    }
    const isGit = (await headCommit(dir)) !== null;
    if (isGit && ref !== null && (!adopted || context.request.comfyui_ref !== null)) {
      await checkout(context, dir, ref);
    } else if (adopted) {
      context.line(`adopting the ComfyUI install at ${dir} as it is`);
    }

    const python = await pythonFor(context, adopted);
    const commit = await headCommit(dir);
    context.line(`ComfyUI at ${commit ?? "a folder without git"}, Python ${python}`);
    return { adopted, commit, ref: adopted && context.request.comfyui_ref === null ? null : ref, python } satisfies ComfyuiOutcome;
  },
};

/** Returns the ref to check out: the request's, else the repository's newest stable tag. */
async function resolveRef(context: StepContext, repository: string): Promise<string | null> {
  if (context.request.comfyui_ref !== null) {
    return context.request.comfyui_ref;
  }
  const lines = await gitOutput(["ls-remote", "--tags", "--", repository], context.settings.workspaceDir);
  if (lines === null) {
    throw new DeployStepError("repository_unreachable", `Could not list the tags of ${repository}; check the URL and the network, or choose a ref.`);
  }
  return newestStableTag(lines);
}

async function headCommit(dir: string): Promise<string | null> {
  if (!existsSync(join(dir, ".git"))) {
    return null;
  }
  return (await gitOutput(["rev-parse", "HEAD"], dir))?.[0] ?? null;
}

async function cloneInto(context: StepContext, repository: string, dir: string): Promise<void> {
  const scratch = join(context.settings.stateDir, "clones", "ComfyUI");
  await rm(scratch, { recursive: true, force: true });
  await mkdir(dirname(scratch), { recursive: true });
  context.line(`cloning ${repository}`);
  await stepGit(context, ["clone", "--quiet", "--", repository, scratch], context.settings.workspaceDir);
  await mkdir(dirname(dir), { recursive: true });
  await writeFile(clonedMarker(context), `${repository}\n`);
  if (existsSync(dir)) {
    // Folders made before the clone (custom_nodes, models, user) are kept and the checkout fills in around them.
    await moveMissing(scratch, dir);
    await rm(scratch, { recursive: true, force: true });
  } else {
    await rename(scratch, dir);
  }
}

/**
 * Moves each entry of `from` that `to` lacks, and merges folders present in both the same
 * way. `.git` goes last, so its presence in `to` means every other entry was moved.
 */
async function moveMissing(from: string, to: string): Promise<void> {
  const entries = (await readdir(from, { withFileTypes: true })).sort((left, right) => Number(left.name === ".git") - Number(right.name === ".git"));
  for (const entry of entries) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (!existsSync(target)) {
      await rename(source, target);
    } else if (entry.isDirectory() && (await stat(target)).isDirectory()) {
      await moveMissing(source, target);
    }
  }
}

async function checkout(context: StepContext, dir: string, ref: string): Promise<void> {
  if ((await gitOutput(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], dir)) === null) {
    await stepGit(context, ["fetch", "--quiet", "--tags", "origin"], dir);
  }
  context.line(`checking out ${ref}`);
  await stepGit(context, ["checkout", "--quiet", "--force", "--detach", ref], dir);
}

/** Returns the Python of an adopted install, else builds a venv in the checkout with ComfyUI's requirements. */
async function pythonFor(context: StepContext, adopted: boolean): Promise<string> {
  const { adoptedPython } = context.settings;
  if (adoptedPython !== null) {
    return adoptedPython;
  }
  const python = venvPython(context);
  const marker = buildMarker(context);
  if (existsSync(python) && !existsSync(marker)) {
    if (!adopted) {
      await installRequirements(context, python);
    }
    return python;
  }

  await mkdir(dirname(marker), { recursive: true });
  await writeFile(marker, "");
  await rm(join(context.settings.comfyuiDir, "venv"), { recursive: true, force: true });
  context.line("building the venv");
  const created = await context.run(context.settings.basePython, ["-m", "venv", "venv"], context.settings.comfyuiDir);
  if (created.exitCode !== 0) {
    throw new DeployStepError("venv_failed", `"${context.settings.basePython} -m venv" ${describeExit(created)}: ${created.tail.slice(-3).join(" | ")}. Install python3-venv and retry.`);
  }
  await installRequirements(context, python);
  await rm(marker, { force: true });
  return python;
}

async function installRequirements(context: StepContext, python: string): Promise<void> {
  const requirements = join(context.settings.comfyuiDir, "requirements.txt");
  if (!existsSync(requirements)) {
    return;
  }
  context.line("installing ComfyUI's requirements");
  const result = await context.run(python, ["-m", "pip", "install", "--no-input", "--requirement", requirements], context.settings.comfyuiDir);
  if (result.exitCode !== 0) {
    throw new DeployStepError("pip_failed", `Installing ComfyUI's requirements ${describeExit(result)}: ${result.tail.slice(-3).join(" | ")}`);
  }
}
