/**
 * @module Secrets the edge hands to this instance: the CivitAI and Hugging Face tokens (files
 * with mode 0600 under `<stateDir>/secrets`) and the digests `hello` reports so the edge sends
 * only what differs. rclone.conf itself belongs to cloud sync (sync/service).
 */
export { TokenFiles } from "./token-files.js";
export { createSecretsHandlers, unavailableSecretsHandlers } from "./handlers.js";
export type { SecretsHandlers } from "./handlers.js";
export { heldSecretsBuilder } from "./held.js";
export { afterSyncStart } from "./sync-ready.js";
