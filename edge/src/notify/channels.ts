/**
 * @module The owner's notification channels. Their URLs and tokens are secrets, so they are stored
 * as one AES-GCM sealed JSON list in the fleet object's storage. Only the Worker and the instance
 * objects, which have SECRETS_KEY, open it, and the API returns channels without the secrets.
 */
import { ComfyCarryError, notifyChannelConfigSchema } from "@comfycarry/shared";
import type { NotifyChannelConfig, NotifyChannelView } from "@comfycarry/shared";
import { z } from "zod";

import type { Env } from "../env.js";
import { fleetStub } from "../env.js";
import { openText, sealText } from "../secrets/cipher.js";

/** Additional data the sealed list is bound to. */
const SEAL_LABEL = "notify.channels";

/** Channels one deployment may have; each alert change is sent to every matching one. */
export const MAX_CHANNELS = 20;

export const storedChannelSchema = z.object({ id: z.string(), config: notifyChannelConfigSchema });
export type StoredChannel = z.infer<typeof storedChannelSchema>;

/** Reads and opens the stored channels; an empty list when none were ever saved. */
export async function loadChannels(env: Env): Promise<StoredChannel[]> {
  const sealed = await fleetStub(env).notifyChannels();
  if (sealed === null) {
    return [];
  }
  const plain = await openText(env, SEAL_LABEL, sealed, "notification channels");
  return z.array(storedChannelSchema).parse(JSON.parse(plain));
}

/** Seals and stores `channels`, replacing the list. */
export async function saveChannels(env: Env, channels: StoredChannel[]): Promise<void> {
  if (channels.length > MAX_CHANNELS) {
    throw new ComfyCarryError("invalid_arguments", `at most ${MAX_CHANNELS} notification channels are allowed; remove one first`);
  }
  await fleetStub(env).setNotifyChannels(await sealText(env, SEAL_LABEL, JSON.stringify(channels)));
}

function targetUrl(config: NotifyChannelConfig): string {
  switch (config.kind) {
    case "serverchan":
    case "telegram":
      return config.base_url;
    default:
      return config.url;
  }
}

/** Returns the channel without its URL path, query or token: only the host it posts to. */
export function viewChannel(channel: StoredChannel): NotifyChannelView {
  const { config } = channel;
  return { id: channel.id, kind: config.kind, name: config.name, enabled: config.enabled, topics: config.topics, host: new URL(targetUrl(config)).host };
}
