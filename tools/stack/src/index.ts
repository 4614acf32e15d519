/** @module Starts the local ComfyCarry stack for the demo, the end-to-end tests and the benchmarks. */
export { Stack, COMFY_SERVICE, REPORTER_SERVICE, REPORTER_FATAL_EXIT_CODE, REPORTER_NODE_ARGS, type StackOptions } from "./stack.js";
export { EdgeClient, EdgeHttpError, type CreatedInstance } from "./edge-client.js";
export { LinkCutter } from "./link-cutter.js";
export { Pm2Cli, type Pm2ProcessInfo } from "./pm2.js";
export { endPm2HomeProcesses, pm2HomeProcesses } from "./pm2-home-processes.js";
export { BrowserSocketRecorder, frameOfType } from "./browser-socket.js";
export { queuePrompt, txt2imgPrompt, startWorkload } from "./workload.js";
export { findFreePort, waitFor } from "./ports.js";
export { paths, repoRoot } from "./paths.js";
export { LOCAL_REMOTE, localRemoteConf, localRemoteDir } from "./sync.js";
export { startModelHosts, type ModelHosts, type ModelHostsOptions } from "./model-hosts.js";
export { LocalFleet, type LocalFleetOptions } from "./fleet.js";
export { startEdge, type LocalEdge } from "./edge.js";
