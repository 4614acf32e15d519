import { edgeToBrowserMessageSchema, parseFrame, type EdgeToBrowserMessage } from "@comfycarry/shared";
import type WebSocket from "ws";

/**
 * Collects the frames of a browser socket, parsed with the shared schema, and waits for
 * frames that match a predicate. Used by tests and benchmarks the way the dashboard
 * uses its socket.
 */
export class BrowserSocketRecorder {
  readonly frames: Array<{ at: number; message: EdgeToBrowserMessage }> = [];
  readonly invalid: string[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly socket: WebSocket) {
    socket.on("message", (data, isBinary) => {
      if (isBinary) {
        this.invalid.push("binary frame");
        return;
      }
      const outcome = parseFrame(edgeToBrowserMessageSchema, data.toString());
      if (!outcome.ok) {
        this.invalid.push(outcome.issues);
        return;
      }
      this.frames.push({ at: performance.now(), message: outcome.value });
      for (const wake of this.waiters.splice(0)) {
        wake();
      }
    });
  }

  /** Resolves once the socket is open. */
  async opened(timeoutMs = 15_000): Promise<void> {
    if (this.socket.readyState === this.socket.OPEN) {
      return;
    }
    await new Promise<void>((resolveOpen, reject) => {
      const timer = setTimeout(() => reject(new Error(`browser socket did not open within ${timeoutMs} ms`)), timeoutMs);
      this.socket.once("open", () => {
        clearTimeout(timer);
        resolveOpen();
      });
      this.socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Waits for the first frame at or after index `from` that matches `predicate`; returns it and its index. */
  async waitFor<T extends EdgeToBrowserMessage>(
    description: string,
    predicate: (message: EdgeToBrowserMessage) => message is T,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<{ message: T; index: number; at: number }> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let index = options.from ?? 0;
    for (;;) {
      for (; index < this.frames.length; index += 1) {
        const frame = this.frames[index];
        if (frame !== undefined && predicate(frame.message)) {
          return { message: frame.message, index, at: frame.at };
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (${this.frames.length} frames received)`);
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** Type guard builder for frames of one `type`. */
export function frameOfType<K extends EdgeToBrowserMessage["type"]>(type: K) {
  return (message: EdgeToBrowserMessage): message is Extract<EdgeToBrowserMessage, { type: K }> => message.type === type;
}
