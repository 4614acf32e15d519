/** @module The header that names the kind of socket the Worker forwards to an instance object. */

/** Header set by the Worker on an authenticated socket upgrade it forwards to an instance object. */
export const ROLE_HEADER = "X-ComfyCarry-Role";

export type SocketRole = "reporter" | "browser";

/** Header set by the Worker on a browser socket it forwards: the caller as JSON (`SocketActor`). */
export const ACTOR_HEADER = "X-ComfyCarry-Actor";
