/** GPU readings from a long-lived nvidia-smi: the sampler, its state and error types. */
export { GpuSampler } from "./sampler.js";
export type { GpuSamplerOptions, GpuState } from "./sampler.js";
export type { GpuError, GpuErrorCode } from "./errors.js";
export { GPU_QUERY_FIELDS, parseGpuRow } from "./parse.js";
