/** A `/ws` client that records every frame and waits for the ones a test expects. */
import WebSocket from "ws";

export interface JsonFrame {
  type: string;
  data: Record<string, unknown>;
}

export type Frame = { kind: "json"; message: JsonFrame } | { kind: "binary"; bytes: Buffer };

export class SocketRecorder {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) {
        this.frames.push({ kind: "binary", bytes });
      } else {
        this.frames.push({ kind: "json", message: JSON.parse(bytes.toString("utf8")) as JsonFrame });
      }
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((wake) => wake());
    });
  }

  static async open(baseUrl: string, clientId?: string, headers: Record<string, string> = {}): Promise<SocketRecorder> {
    const query = clientId === undefined ? "" : `?clientId=${encodeURIComponent(clientId)}`;
    const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/ws${query}`, { headers });
    const recorder = new SocketRecorder(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    await recorder.waitFor((message) => message.type === "status", "first status frame");
    return recorder;
  }

  json(): JsonFrame[] {
    return this.frames.flatMap((frame) => (frame.kind === "json" ? [frame.message] : []));
  }

  types(): string[] {
    return this.json().map((message) => message.type);
  }

  binaries(): Buffer[] {
    return this.frames.flatMap((frame) => (frame.kind === "binary" ? [frame.bytes] : []));
  }

  /** Waits until a JSON frame matches; fails after `timeoutMs` naming what it waited for. */
  async waitFor(match: (message: JsonFrame) => boolean, what: string, timeoutMs = 10_000): Promise<JsonFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.json().find(match);
      if (found !== undefined) {
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; frames: ${this.types().join(", ")}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  clear(): void {
    this.frames.length = 0;
  }

  close(): void {
    this.socket.close();
  }
}
