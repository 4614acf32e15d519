/** @module How the Worker tells an instance object which kind of socket it forwards. */

/** Header set by the Worker on an authenticated socket upgrade it forwards to an instance object. */
export const ROLE_HEADER = "X-ComfyCarry-Role";

export type SocketRole = "reporter" | "browser";
