/** @module The ComfyCarry protocol shared by reporter, edge and web. */
export * from "./version.js";
export * from "./timing.js";
export * from "./time.js";
export * from "./errors.js";
export * from "./overview.js";
export * from "./commands.js";
export * from "./comfyui-control.js";
export * from "./sync.js";
export * from "./secrets.js";
export * from "./models.js";
export * from "./events.js";
export * from "./messages.js";
export * from "./parse.js";
export * from "./security.js";
export * from "./model-folders.js";
export * from "./alerts.js";
export * from "./health.js";
