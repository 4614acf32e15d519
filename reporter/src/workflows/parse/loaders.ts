/**
 * The loader table: which node inputs name model files. Widget order matters because the UI
 * format stores widget values as a list without names.
 * NOTE: the orders were written from the classes' input definitions as commonly saved by the
 * frontend and not checked against each pack's source, so a pack that reorders inputs is misread.
 */

/** One loader class: its widget names in order, and the model folder of those that name files. */
export interface LoaderSpec {
  widgets: readonly string[];
  folders: Readonly<Record<string, string>>;
}

function loader(widgets: readonly string[], folders: Record<string, string>): LoaderSpec {
  return { widgets, folders };
}

export const LOADERS: Readonly<Record<string, LoaderSpec>> = {
  // Core ComfyUI.
  CheckpointLoaderSimple: loader(["ckpt_name"], { ckpt_name: "checkpoints" }),
  CheckpointLoader: loader(["config_name", "ckpt_name"], { config_name: "configs", ckpt_name: "checkpoints" }),
  ImageOnlyCheckpointLoader: loader(["ckpt_name"], { ckpt_name: "checkpoints" }),
  unCLIPCheckpointLoader: loader(["ckpt_name"], { ckpt_name: "checkpoints" }),
  LoraLoader: loader(["lora_name", "strength_model", "strength_clip"], { lora_name: "loras" }),
  LoraLoaderModelOnly: loader(["lora_name", "strength_model"], { lora_name: "loras" }),
  VAELoader: loader(["vae_name"], { vae_name: "vae" }),
  CLIPLoader: loader(["clip_name", "type", "device"], { clip_name: "text_encoders" }),
  DualCLIPLoader: loader(["clip_name1", "clip_name2", "type", "device"], { clip_name1: "text_encoders", clip_name2: "text_encoders" }),
  TripleCLIPLoader: loader(["clip_name1", "clip_name2", "clip_name3"], { clip_name1: "text_encoders", clip_name2: "text_encoders", clip_name3: "text_encoders" }),
  QuadrupleCLIPLoader: loader(["clip_name1", "clip_name2", "clip_name3", "clip_name4"], {
    clip_name1: "text_encoders",
    clip_name2: "text_encoders",
    clip_name3: "text_encoders",
    clip_name4: "text_encoders",
  }),
  UNETLoader: loader(["unet_name", "weight_dtype"], { unet_name: "diffusion_models" }),
  ControlNetLoader: loader(["control_net_name"], { control_net_name: "controlnet" }),
  DiffControlNetLoader: loader(["control_net_name"], { control_net_name: "controlnet" }),
  UpscaleModelLoader: loader(["model_name"], { model_name: "upscale_models" }),
  CLIPVisionLoader: loader(["clip_name"], { clip_name: "clip_vision" }),
  StyleModelLoader: loader(["style_model_name"], { style_model_name: "style_models" }),
  GLIGENLoader: loader(["gligen_name"], { gligen_name: "gligen" }),
  HypernetworkLoader: loader(["hypernetwork_name", "strength"], { hypernetwork_name: "hypernetworks" }),
  PhotoMakerLoader: loader(["photomaker_model_name"], { photomaker_model_name: "photomaker" }),
  ModelPatchLoader: loader(["name"], { name: "model_patches" }),
  AudioEncoderLoader: loader(["audio_encoder_name"], { audio_encoder_name: "audio_encoders" }),

  // Popular custom node packs.
  UnetLoaderGGUF: loader(["unet_name"], { unet_name: "diffusion_models" }),
  CLIPLoaderGGUF: loader(["clip_name", "type"], { clip_name: "text_encoders" }),
  DualCLIPLoaderGGUF: loader(["clip_name1", "clip_name2", "type"], { clip_name1: "text_encoders", clip_name2: "text_encoders" }),
  "Efficient Loader": loader(["ckpt_name", "vae_name", "clip_skip", "lora_name"], { ckpt_name: "checkpoints", vae_name: "vae", lora_name: "loras" }),
  "LoraLoader|pysssss": loader(["lora_name", "strength_model", "strength_clip"], { lora_name: "loras" }),
  "CheckpointLoader|pysssss": loader(["ckpt_name"], { ckpt_name: "checkpoints" }),
  InstantIDModelLoader: loader(["instantid_file"], { instantid_file: "instantid" }),
  IPAdapterModelLoader: loader(["ipadapter_file"], { ipadapter_file: "ipadapter" }),
  UltralyticsDetectorProvider: loader(["model_name"], { model_name: "ultralytics" }),
  SAMLoader: loader(["model_name", "device_mode"], { model_name: "sams" }),
  ADE_LoadAnimateDiffModel: loader(["model_name"], { model_name: "animatediff_models" }),
  WanVideoModelLoader: loader(["model"], { model: "diffusion_models" }),
  WanVideoVAELoader: loader(["model_name"], { model_name: "vae" }),
  LoadWanVideoT5TextEncoder: loader(["model_name"], { model_name: "text_encoders" }),
};

/**
 * Classes whose LoRA list is dynamic: each entry is an object `{ on, lora, strength }`, in the
 * UI format's widget list and as `lora_<n>` inputs in the API format (rgthree-comfy).
 */
export const LORA_LIST_CLASSES: ReadonlySet<string> = new Set(["Power Lora Loader (rgthree)"]);

/** A model file a node loads without naming it in any widget. */
export interface FixedModel {
  folder: string;
  name: string;
}

const ANTELOPEV2 = ["1k3d68.onnx", "2d106det.onnx", "genderage.onnx", "glintr100.onnx", "scrfd_10g_bnkps.onnx"];
const BUFFALO_L = ["1k3d68.onnx", "2d106det.onnx", "det_10g.onnx", "genderage.onnx", "w600k_r50.onnx"];

/**
 * Nodes that load fixed files, which no widget shows. Only these are seen; any other such node
 * is out of reach of a workflow parser.
 * NOTE: the file lists are InsightFace's antelopev2 and buffalo_l archive contents as widely
 * published. They were not checked against a download.
 */
export const FIXED_MODELS: Readonly<Record<string, readonly FixedModel[]>> = {
  InstantIDFaceAnalysis: ANTELOPEV2.map((file) => ({ folder: "insightface", name: `models/antelopev2/${file}` })),
  IPAdapterInsightFaceLoader: BUFFALO_L.map((file) => ({ folder: "insightface", name: `models/buffalo_l/${file}` })),
};

/** Widget values that mean "no file": ComfyUI's and the packs' placeholders. */
export const NOT_A_FILE: ReadonlySet<string> = new Set(["", "none", "baked vae", "[none]", "pixel_space", "taesd", "taesdxl", "taesd3", "taef1"]);
