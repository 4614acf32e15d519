/** The fixture world most deploy tests share: one wheel folder, a ComfyUI repository and four node packs. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { comfyuiRepository, nodePackRepository } from "./git-repos.js";
import { writeWheel } from "./wheel.js";

export interface DeployFixtures {
  /** Folder of the tiny wheels, for `pip --no-index --find-links`. */
  wheels: string;
  comfyuiUrl: string;
  /** Stable tags of the ComfyUI repository, oldest first; the newest stable one is last. */
  stableTags: string[];
  nodes: {
    /** Two text node classes; needs the wheel `fixture-helper`. */
    text: { url: string; name: string; classes: string[] };
    /** One node class, no requirements. */
    notes: { url: string; name: string; classes: string[] };
    /** Requires numpy 2.x, which the torch constraints refuse. */
    numpyTwo: { url: string; name: string; classes: string[] };
    /** Fails to import and takes the simulator down with it. */
    broken: { url: string; name: string; classes: string[] };
  };
  /** Environment for every process that runs pip: only the fixture wheels, no package index, no user config. */
  pipEnv: Record<string, string>;
}

/** Builds the wheels and repositories under `root` (which must exist). */
export function buildDeployFixtures(root: string, node: string, simulator: string): DeployFixtures {
  const wheels = join(root, "wheels");
  const repos = join(root, "repos");
  mkdirSync(wheels, { recursive: true });
  mkdirSync(repos, { recursive: true });

  for (const spec of [
    { name: "numpy", version: "1.26.4" },
    { name: "numpy", version: "2.1.0" },
    { name: "torch", version: "2.4.0", requires: ["numpy"] },
    { name: "torchvision", version: "0.19.0", requires: ["torch==2.4.0"] },
    { name: "torchaudio", version: "2.4.0", requires: ["torch==2.4.0"] },
    { name: "nvidia-cudnn-cu12", version: "9.1.0.70" },
    { name: "flash-attn", version: "2.6.3", requires: ["torch"] },
    { name: "sageattention", version: "1.0.6", requires: ["torch"] },
    { name: "fixture-helper", version: "1.2.0" },
    { name: "array-tools", version: "3.0.0", requires: ["numpy>=2"] },
  ]) {
    writeWheel(wheels, spec);
  }

  const stableTags = ["v0.3.60", "v0.3.64"];
  const comfyuiUrl = comfyuiRepository(repos, {
    node,
    simulator,
    requirements: ["torch==2.4.0", "torchvision", "torchaudio", "numpy<2", "nvidia-cudnn-cu12"],
    tags: [...stableTags, "v0.4.0-rc1"],
  });

  const pack = (name: string, classes: string[], options: Omit<Parameters<typeof nodePackRepository>[2], "classes"> = {}) => ({
    url: nodePackRepository(repos, name, { classes, ...options }),
    name,
    classes,
  });
  return {
    wheels,
    comfyuiUrl,
    stableTags,
    nodes: {
      text: pack("comfyui-fixture-text", ["FixtureUpper", "FixtureLower"], { requirements: ["fixture-helper>=1.0"] }),
      notes: pack("comfyui-fixture-notes", ["FixtureNote"]),
      numpyTwo: pack("comfyui-array-tools", ["ArrayStats"], { requirements: ["array-tools"] }),
      broken: pack("comfyui-broken-import", ["BrokenNode"], { importError: "ImportError: libcudart.so.13: cannot open shared object file", importExits: true }),
    },
    pipEnv: { PIP_NO_INDEX: "1", PIP_FIND_LINKS: wheels, PIP_CONFIG_FILE: "/dev/null", PIP_DISABLE_PIP_VERSION_CHECK: "1" },
  };
}
