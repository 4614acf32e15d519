/**
 * @module Checks for a channel that takes prompt notifications before one is queued. A busy
 * instance finishes a prompt every few seconds, and queuing each one cost row writes and an
 * alarm even when no channel would send it, so an unwatched instance cost half as much as a
 * watched one. The check is one request to the fleet object and no write. It is not cached,
 * so a channel added in Settings applies to the next prompt.
 */
import type { Env } from "../env.js";
import { loadChannels } from "./channels.js";

/** Returns whether an enabled channel subscribes to prompt notifications. */
export async function hasPromptChannel(env: Env): Promise<boolean> {
  const channels = await loadChannels(env);
  return channels.some((channel) => channel.config.enabled && channel.config.topics.prompts);
}
