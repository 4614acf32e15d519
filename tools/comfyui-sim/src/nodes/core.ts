/** The core node classes the simulator runs: a text-to-image graph plus image loading and previews. */
import { existsSync } from "node:fs";
import path from "node:path";

import type { Folders } from "../folders/folders.js";
import { PyFloat, dict, type PyDict, type PyValue } from "../py/value.js";
import type { InputGroup, InputSpec, NodeBehaviour, NodeClass } from "./types.js";

// ComfyUI's MAX_RESOLUTION.
const MAX_RESOLUTION = 16384;

export const SAMPLERS = [
  "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2", "dpm_2", "dpm_2_ancestral",
  "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde", "dpmpp_sde_gpu",
  "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu",
  "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis", "res_multistep", "res_multistep_cfg_pp",
  "res_multistep_ancestral", "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp",
  "er_sde", "seeds_2", "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2",
];

export const SCHEDULERS = ["simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal", "linear_quadratic", "kl_optimal"];

function spec(type: PyValue, options: Array<[string, PyValue]> = []): InputSpec {
  return [type, dict(options)];
}

function group(entries: Array<[string, InputSpec]>): InputGroup {
  return new Map(entries);
}

const empty = (): InputGroup => new Map();

interface CoreDefinition {
  name: string;
  displayName: string;
  description: string;
  category: string;
  required: () => InputGroup;
  hidden?: () => InputGroup;
  outputs: string[];
  outputNames?: string[];
  outputTooltips?: string[];
  outputNode?: boolean;
  behaviour: NodeBehaviour;
  customValidation?: NodeClass["customValidation"];
}

function toNodeClass(definition: CoreDefinition): NodeClass {
  return {
    name: definition.name,
    displayName: definition.displayName,
    description: definition.description,
    category: definition.category,
    pythonModule: "nodes",
    inputs: () => ({ required: definition.required(), optional: empty(), hidden: definition.hidden?.() ?? empty() }),
    outputTypes: definition.outputs,
    outputNames: definition.outputNames ?? definition.outputs,
    outputIsList: definition.outputs.map(() => false),
    outputTooltips: definition.outputTooltips ?? null,
    outputNode: definition.outputNode ?? false,
    deprecated: false,
    experimental: false,
    customValidation: definition.customValidation ?? (() => null),
    behaviour: definition.behaviour,
  };
}

const saveHidden = (): InputGroup =>
  group([
    ["prompt", spec("PROMPT")],
    ["extra_pnginfo", spec("EXTRA_PNGINFO")],
  ]);

/** Builds the core classes; combo options are read from `folders` each time inputs are described. */
export function coreNodeClasses(folders: Folders): NodeClass[] {
  const definitions: CoreDefinition[] = [
    {
      name: "CheckpointLoaderSimple",
      displayName: "Load Checkpoint",
      description: "Loads a checkpoint file and returns its diffusion model, text encoder and VAE.",
      category: "loaders",
      required: () => group([["ckpt_name", spec(folders.modelFiles("checkpoints"), [["tooltip", "Checkpoint file to load."]])]]),
      outputs: ["MODEL", "CLIP", "VAE"],
      outputTooltips: ["Diffusion model that denoises latents.", "Text encoder for prompts.", "VAE that maps images to and from latent space."],
      behaviour: { kind: "loader" },
    },
    {
      name: "CLIPTextEncode",
      displayName: "CLIP Text Encode (Prompt)",
      description: "Encodes a text prompt into conditioning for the sampler.",
      category: "conditioning",
      required: () =>
        group([
          ["text", spec("STRING", [["multiline", true], ["dynamicPrompts", true], ["tooltip", "Text to encode."]])],
          ["clip", spec("CLIP", [["tooltip", "Text encoder to use."]])],
        ]),
      outputs: ["CONDITIONING"],
      outputTooltips: ["Conditioning built from the text."],
      behaviour: { kind: "passthrough" },
    },
    {
      name: "EmptyLatentImage",
      displayName: "Empty Latent Image",
      description: "Creates a batch of empty latent images to denoise.",
      category: "latent",
      required: () =>
        group([
          ["width", spec("INT", [["default", 512], ["min", 16], ["max", MAX_RESOLUTION], ["step", 8], ["tooltip", "Image width in pixels."]])],
          ["height", spec("INT", [["default", 512], ["min", 16], ["max", MAX_RESOLUTION], ["step", 8], ["tooltip", "Image height in pixels."]])],
          ["batch_size", spec("INT", [["default", 1], ["min", 1], ["max", 4096], ["tooltip", "Number of images in the batch."]])],
        ]),
      outputs: ["LATENT"],
      outputTooltips: ["The empty latent batch."],
      behaviour: { kind: "latent" },
    },
    {
      name: "KSampler",
      displayName: "KSampler",
      description: "Denoises a latent image with the given model and conditioning.",
      category: "sampling",
      required: () =>
        group([
          ["model", spec("MODEL", [["tooltip", "Model that denoises the latent."]])],
          ["seed", spec("INT", [["default", 0], ["min", 0], ["max", 18446744073709551615n], ["control_after_generate", true], ["tooltip", "Seed of the initial noise."]])],
          ["steps", spec("INT", [["default", 20], ["min", 1], ["max", 10000], ["tooltip", "Number of denoising steps."]])],
          ["cfg", spec("FLOAT", [["default", new PyFloat(8)], ["min", new PyFloat(0)], ["max", new PyFloat(100)], ["step", new PyFloat(0.1)], ["round", new PyFloat(0.01)], ["tooltip", "Classifier-free guidance scale."]])],
          ["sampler_name", spec(SAMPLERS, [["tooltip", "Sampling algorithm."]])],
          ["scheduler", spec(SCHEDULERS, [["tooltip", "Noise schedule."]])],
          ["positive", spec("CONDITIONING", [["tooltip", "What to include in the image."]])],
          ["negative", spec("CONDITIONING", [["tooltip", "What to keep out of the image."]])],
          ["latent_image", spec("LATENT", [["tooltip", "Latent image to denoise."]])],
          ["denoise", spec("FLOAT", [["default", new PyFloat(1)], ["min", new PyFloat(0)], ["max", new PyFloat(1)], ["step", new PyFloat(0.01)], ["tooltip", "How much of the latent to denoise."]])],
        ]),
      outputs: ["LATENT"],
      outputTooltips: ["The denoised latent."],
      behaviour: { kind: "sampler" },
    },
    {
      name: "VAEDecode",
      displayName: "VAE Decode",
      description: "Decodes latent images into pixel images.",
      category: "latent",
      required: () =>
        group([
          ["samples", spec("LATENT", [["tooltip", "Latent to decode."]])],
          ["vae", spec("VAE", [["tooltip", "VAE used for decoding."]])],
        ]),
      outputs: ["IMAGE"],
      outputTooltips: ["The decoded image."],
      behaviour: { kind: "decode" },
    },
    {
      name: "SaveImage",
      displayName: "Save Image",
      description: "Saves images to the output folder.",
      category: "image",
      required: () =>
        group([
          ["images", spec("IMAGE", [["tooltip", "Images to save."]])],
          ["filename_prefix", spec("STRING", [["default", "ComfyUI"], ["tooltip", "File name prefix; may contain a subfolder and %date% style tokens."]])],
        ]),
      hidden: saveHidden,
      outputs: [],
      outputNode: true,
      behaviour: { kind: "save", folderType: "output" },
    },
    {
      name: "PreviewImage",
      displayName: "Preview Image",
      description: "Saves images to the temp folder for preview.",
      category: "image",
      required: () => group([["images", spec("IMAGE")]]),
      hidden: saveHidden,
      outputs: [],
      outputNode: true,
      behaviour: { kind: "save", folderType: "temp" },
    },
    {
      name: "LoadImage",
      displayName: "Load Image",
      description: "Loads an image from the input folder.",
      category: "image",
      required: () => group([["image", spec(folders.inputImages(), [["image_upload", true]])]]),
      outputs: ["IMAGE", "MASK"],
      behaviour: { kind: "load-image" },
      customValidation: (inputName, value) => {
        if (inputName !== "image") {
          return null;
        }
        const name = typeof value === "string" ? value : String(value);
        const annotated = folders.annotatedFilepath(name);
        const file = path.join(annotated.dir ?? folders.inputDir, annotated.name);
        return existsSync(file) ? true : `Invalid image file: ${name}`;
      },
    },
  ];
  return definitions.map(toNodeClass);
}

/** Describes a class as `/object_info` does for V1 nodes, keys in ComfyUI's order. */
export function describeNodeClass(nodeClass: NodeClass): PyDict {
  const inputs = nodeClass.inputs();
  const inputDict: PyDict = new Map();
  const orderDict: PyDict = new Map();
  for (const [groupName, groupInputs] of [
    ["required", inputs.required],
    ["optional", inputs.optional],
    ["hidden", inputs.hidden],
  ] as const) {
    if (groupName !== "required" && groupInputs.size === 0) {
      continue;
    }
    inputDict.set(groupName, new Map([...groupInputs].map(([name, inputSpec]) => [name, hiddenOrSpec(groupName, inputSpec)])));
    orderDict.set(groupName, [...groupInputs.keys()]);
  }
  const info: PyDict = dict([
    ["input", inputDict],
    ["input_order", orderDict],
    ["output", nodeClass.outputTypes],
    ["output_is_list", nodeClass.outputIsList],
    ["output_name", nodeClass.outputNames],
    ["name", nodeClass.name],
    ["display_name", nodeClass.displayName],
    ["description", nodeClass.description],
    ["python_module", nodeClass.pythonModule],
    ["category", nodeClass.category],
    ["output_node", nodeClass.outputNode],
  ]);
  if (nodeClass.outputTooltips !== null) {
    info.set("output_tooltips", nodeClass.outputTooltips);
  }
  if (nodeClass.deprecated) {
    info.set("deprecated", true);
  }
  if (nodeClass.experimental) {
    info.set("experimental", true);
  }
  return info;
}

// Hidden inputs are declared as bare strings in ComfyUI and come out as `"PROMPT"`, not a pair.
function hiddenOrSpec(groupName: string, inputSpec: InputSpec): PyValue {
  if (groupName === "hidden" && inputSpec[1].size === 0) {
    return inputSpec[0];
  }
  return [inputSpec[0], inputSpec[1]];
}
