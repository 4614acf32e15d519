/**
 * Custom nodes: clone in parallel, then install requirements one node at a time under the
 * torch constraints. A node whose requirements pip refuses is moved to custom_nodes/.disabled/
 * and reported by name; pip resolves before installing, so the environment stays as it was.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

import { nodePackNameSchema } from "@comfycarry/shared";
import type { DeployCustomNode } from "@comfycarry/shared";
import { z } from "zod";

import type { DeployStepDefinition, StepContext } from "../context.js";
import { DeployStepError } from "../context.js";
import { headCommit } from "../git-files.js";
import { gitOutput, repositoryFolder, stepGit } from "../git-run.js";
import { pipInstall, writeConstraints } from "../pip-run.js";
import { comfyuiPython } from "./attention.js";

const nodeOutcomeSchema = z.object({ name: z.string(), commit: z.string().nullable(), state: z.enum(["installed", "failed", "disabled"]) });
const outcomeSchema = z.object({ nodes: z.array(nodeOutcomeSchema) });
export type NodeOutcome = z.infer<typeof nodeOutcomeSchema>;

interface PlannedNode {
  spec: DeployCustomNode;
  name: string;
}

export const customNodesStep: DeployStepDefinition = {
  id: "custom_nodes",
  kind: "change",
  inputs: (context) => Promise.resolve({ nodes: context.request.custom_nodes, python: comfyuiPython(context), comfyui: context.outcome("comfyui") }),
  async stillValid(context, recorded) {
    const outcome = outcomeSchema.safeParse(recorded);
    if (!outcome.success) {
      return false;
    }
    for (const node of outcome.data.nodes.filter((candidate) => candidate.state === "installed")) {
      const dir = join(customNodesDir(context), node.name);
      if (!existsSync(dir) || (await headCommit(dir)) !== node.commit) {
        return false;
      }
    }
    return true;
  },
  run: async (context) => ({ nodes: await installNodes(context, context.request.custom_nodes) }),
};

/** Clones `specs` in parallel, then installs their requirements one at a time; returns each node's state. */
export async function installNodes(context: StepContext, specs: readonly DeployCustomNode[]): Promise<NodeOutcome[]> {
  const planned = plan(specs);
  const disabled = new Set(context.store.nodeIssues().filter((issue) => issue.kind === "import_failed" && issue.moved_to !== null && existsSync(issue.moved_to)).map((issue) => issue.name));

  const cloned = await Promise.all(planned.map((node) => (disabled.has(node.name) ? Promise.resolve<NodeOutcome>({ name: node.name, commit: null, state: "disabled" }) : fetchNode(context, node))));

  const python = comfyuiPython(context);
  // pip freeze costs about a second, so the constraints are written only when a node has requirements.
  const needsPip = planned.some((node, index) => cloned[index]?.state === "installed" && existsSync(join(nodeDir(context, node), "requirements.txt")));
  const constraints = needsPip ? await writeConstraints(context, python) : "";
  const results: NodeOutcome[] = [];
  for (const [index, node] of planned.entries()) {
    const state = cloned[index];
    if (state === undefined || state.state !== "installed") {
      results.push(state ?? { name: node.name, commit: null, state: "failed" });
      continue;
    }
    results.push(await installRequirements(context, node, state, python, constraints));
  }
  return results;
}

function customNodesDir(context: StepContext): string {
  return join(context.settings.comfyuiDir, "custom_nodes");
}

function nodeDir(context: StepContext, node: PlannedNode): string {
  return join(customNodesDir(context), node.name);
}

function disabledDir(context: StepContext): string {
  return join(customNodesDir(context), ".disabled");
}

/** Folder names from the URLs; two URLs with the same last path part would share a folder, so that is refused. */
function plan(specs: readonly DeployCustomNode[]): PlannedNode[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const name = repositoryFolder(spec.url);
    if (!nodePackNameSchema.safeParse(name).success) {
      throw new DeployStepError("invalid_node_url", `The custom node URL ${spec.url} does not end in a usable folder name; use the repository's URL.`);
    }
    if (seen.has(name)) {
      throw new DeployStepError("duplicate_node", `Two custom node URLs install into the folder "${name}"; keep one of them.`);
    }
    seen.add(name);
    return { spec, name };
  });
}

/** Clones a node into place (scratch folder, then rename) or moves an existing checkout to the ref. */
async function fetchNode(context: StepContext, node: PlannedNode): Promise<NodeOutcome> {
  try {
    // A node a refused requirement moved aside gets another try with the current constraints.
    const aside = join(disabledDir(context), node.name);
    if (!existsSync(nodeDir(context, node)) && existsSync(aside)) {
      await rename(aside, nodeDir(context, node));
    }
    if (!existsSync(nodeDir(context, node))) {
      const scratch = join(context.settings.stateDir, "clones", node.name);
      await rm(scratch, { recursive: true, force: true });
      await mkdir(dirname(scratch), { recursive: true });
      await stepGit(context, ["clone", "--quiet", "--", node.spec.url, scratch], context.settings.workspaceDir);
      // A snapshot usually pins the branch head, and then the clone already has it checked out.
      if (node.spec.ref !== null && node.spec.ref !== (await headCommit(scratch))) {
        await stepGit(context, ["checkout", "--quiet", "--detach", node.spec.ref], scratch);
      }
      await mkdir(customNodesDir(context), { recursive: true });
      await rename(scratch, nodeDir(context, node));
      context.line(`${node.name}: cloned`);
    } else if (node.spec.ref !== null && node.spec.ref === (await headCommit(nodeDir(context, node)))) {
      // A folder already at the pinned commit, such as one a restore copied from the remote, is kept without running git.
      context.line(`${node.name}: kept at ${node.spec.ref.slice(0, 12)}`);
    } else if (node.spec.ref !== null) {
      if ((await gitOutput(["rev-parse", "--verify", "--quiet", `${node.spec.ref}^{commit}`], nodeDir(context, node))) === null) {
        await stepGit(context, ["fetch", "--quiet", "--tags", "origin"], nodeDir(context, node));
      }
      await stepGit(context, ["checkout", "--quiet", "--force", "--detach", node.spec.ref], nodeDir(context, node));
    }
    const commit = await headCommit(nodeDir(context, node));
    return { name: node.name, commit, state: "installed" };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    context.line(`${node.name}: clone failed: ${reason}`);
    context.store.saveNodeIssue({ name: node.name, kind: "clone", reason: reason.slice(0, 2000), moved_to: null });
    return { name: node.name, commit: null, state: "failed" };
  }
}

async function installRequirements(context: StepContext, node: PlannedNode, cloned: NodeOutcome, python: string, constraints: string): Promise<NodeOutcome> {
  const requirements = join(nodeDir(context, node), "requirements.txt");
  if (existsSync(requirements)) {
    context.line(`${node.name}: installing requirements`);
    const outcome = await pipInstall(context, python, ["--requirement", requirements], constraints, nodeDir(context, node));
    if (!outcome.ok) {
      const movedTo = join(disabledDir(context), node.name);
      await mkdir(disabledDir(context), { recursive: true });
      await rm(movedTo, { recursive: true, force: true });
      await rename(nodeDir(context, node), movedTo);
      context.line(`${node.name}: failed, moved to ${movedTo}: ${outcome.reason}`);
      context.log.warn({ node: node.name, reason: outcome.reason }, "custom node requirements rejected by pip; node moved to custom_nodes/.disabled");
      context.store.saveNodeIssue({ name: node.name, kind: "requirements", reason: outcome.reason.slice(0, 2000), moved_to: movedTo });
      return { name: node.name, commit: cloned.commit, state: "failed" };
    }
  }
  context.store.clearNodeIssue(node.name);
  return cloned;
}
