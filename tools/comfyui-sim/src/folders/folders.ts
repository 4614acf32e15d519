/** Model folders and the input, output, temp and user folders, laid out like ComfyUI's `folder_paths`. */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { SimConfig } from "../config.js";

// The "pt set" of model extensions ComfyUI accepts (compared in lower case).
const MODEL_EXTENSIONS = [".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"];

interface FolderKind {
  key: string;
  dirs: string[];
  /** null: folders only (diffusers); []: any file; otherwise allowed extensions. */
  extensions: string[] | null;
}

// Key order matters: `/models` lists keys in ComfyUI's insertion order.
const MODEL_FOLDERS: ReadonlyArray<[string, string[], string[] | null]> = [
  ["checkpoints", ["checkpoints"], MODEL_EXTENSIONS],
  ["configs", ["configs"], [".yaml"]],
  ["loras", ["loras"], MODEL_EXTENSIONS],
  ["vae", ["vae"], MODEL_EXTENSIONS],
  ["text_encoders", ["text_encoders", "clip"], MODEL_EXTENSIONS],
  ["diffusion_models", ["unet", "diffusion_models"], MODEL_EXTENSIONS],
  ["clip_vision", ["clip_vision"], MODEL_EXTENSIONS],
  ["style_models", ["style_models"], MODEL_EXTENSIONS],
  ["embeddings", ["embeddings"], MODEL_EXTENSIONS],
  ["diffusers", ["diffusers"], null],
  ["vae_approx", ["vae_approx"], MODEL_EXTENSIONS],
  ["controlnet", ["controlnet", "t2i_adapter"], MODEL_EXTENSIONS],
  ["gligen", ["gligen"], MODEL_EXTENSIONS],
  ["upscale_models", ["upscale_models"], MODEL_EXTENSIONS],
  ["custom_nodes", [], []],
  ["hypernetworks", ["hypernetworks"], MODEL_EXTENSIONS],
  ["photomaker", ["photomaker"], MODEL_EXTENSIONS],
  ["classifiers", ["classifiers"], [""]],
  ["model_patches", ["model_patches"], MODEL_EXTENSIONS],
  ["audio_encoders", ["audio_encoders"], MODEL_EXTENSIONS],
];

// The output folder doubles as a search path for these keys, as in ComfyUI.
const OUTPUT_SEARCH_KEYS: Record<string, string> = {
  checkpoints: "checkpoints",
  text_encoders: "clip",
  vae: "vae",
  diffusion_models: "diffusion_models",
  loras: "loras",
};

export const PLACEHOLDER_CHECKPOINT = "v1-5-pruned-emaonly.safetensors";

/** Python's `sorted()` on strings: code point order. */
export function pySorted(values: string[]): string[] {
  return [...values].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}

function listFilesRecursive(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name === ".git") {
        continue;
      }
      const full = path.join(dir, name);
      const relative = prefix === "" ? name : `${prefix}/${name}`;
      let isDir = false;
      try {
        isDir = statSync(full).isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        walk(full, relative);
      } else {
        found.push(relative);
      }
    }
  };
  walk(root, "");
  return found;
}

/** The folder layout of one simulator process. */
export class Folders {
  readonly modelsDir: string;
  readonly customNodesDir: string;
  private readonly kinds: FolderKind[];

  constructor(private readonly config: SimConfig) {
    this.modelsDir = path.join(config.baseDir, "models");
    this.customNodesDir = path.join(config.baseDir, "custom_nodes");
    this.kinds = MODEL_FOLDERS.map(([key, dirs, extensions]) => {
      const absolute = key === "custom_nodes" ? [this.customNodesDir] : dirs.map((dir) => path.join(this.modelsDir, dir));
      const outputKey = OUTPUT_SEARCH_KEYS[key];
      if (outputKey !== undefined) {
        absolute.push(path.join(config.outputDir, outputKey));
      }
      return { key, dirs: absolute, extensions };
    });
  }

  get outputDir(): string {
    return this.config.outputDir;
  }

  get inputDir(): string {
    return this.config.inputDir;
  }

  get tempDir(): string {
    return this.config.tempDir;
  }

  get userDir(): string {
    return this.config.userDir;
  }

  /** Creates the folder tree and placeholders, and empties the temp folder as ComfyUI does at start. */
  prepare(): void {
    for (const dir of [this.modelsDir, this.customNodesDir, this.outputDir, this.inputDir, path.join(this.userDir, "default")]) {
      mkdirSync(dir, { recursive: true });
    }
    for (const [key, dirs] of MODEL_FOLDERS) {
      if (key !== "custom_nodes") {
        mkdirSync(path.join(this.modelsDir, dirs[0] ?? key), { recursive: true });
      }
    }
    const checkpoints = path.join(this.modelsDir, "checkpoints");
    if (this.modelFiles("checkpoints").length === 0) {
      writeFileSync(path.join(checkpoints, PLACEHOLDER_CHECKPOINT), "comfyui-sim placeholder checkpoint\n");
    }
    this.clearTemp();
  }

  clearTemp(): void {
    if (existsSync(this.tempDir)) {
      rmSync(this.tempDir, { recursive: true, force: true });
    }
  }

  folderKeys(): string[] {
    return this.kinds.map((kind) => kind.key);
  }

  hasFolder(key: string): boolean {
    return this.kinds.some((kind) => kind.key === key);
  }

  folderDirs(key: string): string[] {
    return this.kinds.find((kind) => kind.key === key)?.dirs ?? [];
  }

  /** Lists model files of a folder key: sorted relative paths, filtered by extension, every search path. */
  modelFiles(key: string): string[] {
    const kind = this.kinds.find((candidate) => candidate.key === key);
    if (kind === undefined) {
      return [];
    }
    const files = new Set<string>();
    for (const dir of kind.dirs) {
      if (kind.extensions === null) {
        continue;
      }
      for (const relative of listFilesRecursive(dir)) {
        const extension = path.extname(relative).toLowerCase();
        if (kind.extensions.length === 0 || kind.extensions.includes(extension)) {
          files.add(relative);
        }
      }
    }
    return pySorted([...files]);
  }

  /** Returns the absolute path of a model file, or null when no search path contains it. */
  modelPath(key: string, relative: string): string | null {
    for (const dir of this.folderDirs(key)) {
      const candidate = path.resolve(dir, relative);
      if (candidate.startsWith(dir + path.sep) && existsSync(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** Maps `output`, `input` or `temp` to its folder; null for anything else. */
  directoryByType(type: string): string | null {
    if (type === "output") {
      return this.outputDir;
    }
    if (type === "input") {
      return this.inputDir;
    }
    if (type === "temp") {
      return this.tempDir;
    }
    return null;
  }

  /** Splits `name [output]`-style annotations off a file name, as `folder_paths.annotated_filepath`. */
  annotatedFilepath(name: string): { name: string; dir: string | null } {
    for (const [suffix, type] of [
      [" [output]", "output"],
      [" [input]", "input"],
      [" [temp]", "temp"],
    ] as const) {
      if (name.endsWith(suffix)) {
        return { name: name.slice(0, -suffix.length), dir: this.directoryByType(type) };
      }
    }
    return { name, dir: null };
  }

  /** Lists files directly under the input folder, sorted: the options of LoadImage. */
  inputImages(): string[] {
    try {
      return pySorted(readdirSync(this.inputDir).filter((name) => statSync(path.join(this.inputDir, name)).isFile()));
    } catch {
      return [];
    }
  }
}
