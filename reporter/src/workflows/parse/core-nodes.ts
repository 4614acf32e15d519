/**
 * Node classes that ship with ComfyUI, so they never need a custom node pack. A workflow saved by
 * a recent frontend marks them itself (`properties.cnr_id == "comfy-core"`); this list covers API
 * exports and older files. It is the common subset of v0.3.x, not every class: `/object_info`
 * of a running ComfyUI completes it (see catalog.ts).
 */
const CORE_CLASSES = [
  // nodes.py
  "KSampler", "KSamplerAdvanced", "CheckpointLoaderSimple", "CheckpointLoader", "CLIPTextEncode", "CLIPSetLastLayer",
  "VAEDecode", "VAEEncode", "VAEEncodeForInpaint", "VAELoader", "VAEDecodeTiled", "VAEEncodeTiled", "EmptyLatentImage",
  "LatentUpscale", "LatentUpscaleBy", "LatentFromBatch", "RepeatLatentBatch", "SaveImage", "PreviewImage", "LoadImage",
  "LoadImageMask", "LoadImageOutput", "ImageScale", "ImageScaleBy", "ImageInvert", "ImageBatch", "ImagePadForOutpaint",
  "EmptyImage", "ConditioningAverage", "ConditioningCombine", "ConditioningConcat", "ConditioningSetArea",
  "ConditioningSetAreaPercentage", "ConditioningSetAreaStrength", "ConditioningSetMask", "ConditioningZeroOut",
  "ConditioningSetTimestepRange", "SetLatentNoiseMask", "LatentComposite", "LatentBlend", "LatentRotate", "LatentFlip",
  "LatentCrop", "LoraLoader", "LoraLoaderModelOnly", "CLIPLoader", "UNETLoader", "DualCLIPLoader", "CLIPVisionEncode",
  "StyleModelApply", "unCLIPConditioning", "ControlNetApply", "ControlNetApplyAdvanced", "ControlNetLoader",
  "DiffControlNetLoader", "StyleModelLoader", "CLIPVisionLoader", "unCLIPCheckpointLoader", "GLIGENLoader",
  "GLIGENTextBoxApply", "InpaintModelConditioning", "DiffusersLoader", "LoadLatent", "SaveLatent",
  // comfy_extras
  "UpscaleModelLoader", "ImageUpscaleWithModel", "HypernetworkLoader", "FluxGuidance", "CLIPTextEncodeFlux",
  "ModelSamplingSD3", "ModelSamplingFlux", "ModelSamplingDiscrete", "ModelSamplingAuraFlow", "EmptySD3LatentImage",
  "TripleCLIPLoader", "QuadrupleCLIPLoader", "CLIPTextEncodeSD3", "CLIPTextEncodeSDXL", "CLIPTextEncodeSDXLRefiner",
  "EmptyHunyuanLatentVideo", "EmptyLTXVLatentVideo", "LTXVConditioning", "WanImageToVideo", "WanFunControlToVideo",
  "SamplerCustom", "SamplerCustomAdvanced", "KSamplerSelect", "BasicScheduler", "BasicGuider", "CFGGuider",
  "RandomNoise", "DisableNoise", "SaveAnimatedWEBP", "SaveAnimatedPNG", "SaveVideo", "SaveWEBM", "CreateVideo",
  "LoadVideo", "GetVideoComponents", "PrimitiveString", "PrimitiveStringMultiline", "PrimitiveInt", "PrimitiveFloat",
  "PrimitiveBoolean", "StringConcatenate", "ImageOnlyCheckpointLoader", "SVD_img2vid_Conditioning",
  "VideoLinearCFGGuidance", "PhotoMakerLoader", "PhotoMakerEncode", "ModelPatchLoader", "AudioEncoderLoader",
  "ImageCrop", "ImageBlend", "ImageBlur", "ImageSharpen", "ImageQuantize", "ImageStitch", "ImageCompositeMasked",
  "Canny", "MaskToImage", "ImageToMask", "SolidMask", "InvertMask", "CropMask", "FeatherMask", "GrowMask",
  "ThresholdMask", "SplitImageWithAlpha", "JoinImageWithAlpha", "ModelMergeSimple", "CheckpointSave", "CLIPSave",
  "VAESave", "ModelSave", "FreeU", "FreeU_V2", "PerturbedAttentionGuidance", "SelfAttentionGuidance", "RescaleCFG",
  "DifferentialDiffusion", "ReferenceLatent", "FluxKontextImageScale", "SaveAudio", "LoadAudio", "PreviewAudio",
];

export const CORE_CLASS_SET: ReadonlySet<string> = new Set(CORE_CLASSES);

/** Frontend-only nodes: the frontend folds them away before a prompt is queued, so nothing installs them. */
export const VIRTUAL_CLASSES: ReadonlySet<string> = new Set(["Reroute", "PrimitiveNode", "Note", "MarkdownNote"]);

/** Core primitive classes whose only widget (`value`) is their output, so a link from them resolves to it. */
export const PRIMITIVE_VALUE_CLASSES: ReadonlySet<string> = new Set([
  "PrimitiveString",
  "PrimitiveStringMultiline",
  "PrimitiveInt",
  "PrimitiveFloat",
  "PrimitiveBoolean",
]);
