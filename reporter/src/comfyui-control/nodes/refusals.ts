/** Manager's rejections in plain words, so the Plugins page can show what to change. */

export const SECURITY_REJECTION =
  "ComfyUI-Manager rejected this action because of its security settings. Keep ComfyUI listening on 127.0.0.1 (the listen launch option) and set security_level = normal in ComfyUI-Manager's config.ini, restart ComfyUI, then try again.";

export const OUTDATED_REJECTION = "ComfyUI-Manager rejects changes on this ComfyUI version: update ComfyUI to 0.3.76 or later (Version on the ComfyUI page), or install by git URL.";

export const CHANNEL_REJECTION = "ComfyUI-Manager rejected this repository because it is not in its channel list; install it by git URL instead.";

/** Turns an HTTP rejection from Manager into a sentence; null when the status is not a rejection. */
export function rejectionText(status: number, body: string): string | null {
  if (status === 403 && body.includes("comfyui_outdated")) {
    return OUTDATED_REJECTION;
  }
  if (status === 403) {
    return SECURITY_REJECTION;
  }
  if (status === 404 && body.includes("security")) {
    return CHANNEL_REJECTION;
  }
  return null;
}
