import type { Logger } from "../log/logger.js";
import type { ComfyuiHttp } from "./http.js";

/**
 * Keeps the reporter's socket subscribed to ComfyUI's log stream only while a prompt runs
 * whose `progress` frames do not reach the reporter. Its tqdm bar is then the only step
 * progress. Otherwise ComfyUI would send a `logs` frame for every step, only to be dropped.
 */
export class LogSubscription {
  readonly #http: ComfyuiHttp;
  readonly #log: Logger;
  #clientId: string | null = null;
  #active = false;
  #wanted = false;
  #syncing = false;

  constructor(http: ComfyuiHttp, log: Logger) {
    this.#http = http;
    this.#log = log;
  }

  /** Records a new socket under `clientId`, which has no subscription yet. */
  open(clientId: string): void {
    this.#clientId = clientId;
    this.#active = false;
    void this.#sync();
  }

  close(): void {
    this.#clientId = null;
    this.#active = false;
  }

  /** Subscribes or unsubscribes. Calls during a request fold into one more request after it. */
  want(enabled: boolean): void {
    this.#wanted = enabled;
    if (enabled !== this.#active) {
      void this.#sync();
    }
  }

  async #sync(): Promise<void> {
    if (this.#syncing) {
      return;
    }
    this.#syncing = true;
    try {
      while (this.#clientId !== null && this.#wanted !== this.#active) {
        const clientId = this.#clientId;
        const enabled = this.#wanted;
        await this.#http.subscribeLogs(clientId, enabled);
        if (this.#clientId === clientId) {
          this.#active = enabled;
        }
        this.#log.debug({ clientId, enabled }, "ComfyUI log subscription changed");
      }
    } catch (error) {
      // The next change of the running prompt retries.
      this.#log.warn({ err: error, clientId: this.#clientId }, "changing the ComfyUI log subscription failed; prompts queued past the proxy may get no step progress");
    } finally {
      this.#syncing = false;
    }
  }
}
