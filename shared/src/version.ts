/** Protocol version spoken by this build of reporter, edge and web. */
export const PROTOCOL_VERSION = 1;

/**
 * Oldest reporter protocol version the edge still accepts. A reporter below it is
 * refused with `protocol_version_unsupported` and updates itself from the edge.
 */
export const MIN_PROTOCOL_VERSION = 1;

/** Returns whether a peer speaking `version` can talk to this build. */
export function isProtocolVersionSupported(version: number): boolean {
  return Number.isInteger(version) && version >= MIN_PROTOCOL_VERSION && version <= PROTOCOL_VERSION;
}
