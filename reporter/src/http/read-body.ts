import type { IncomingMessage } from "node:http";

/** Reads a whole response body as UTF-8. It fails past `maxBytes` and when the body is cut off. */
export function readBodyText(response: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy(new Error(`response body larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.on("error", reject);
    // A request destroyed mid-body (timeout, abort) closes the response without `end`.
    response.on("close", () => {
      if (!response.complete) {
        reject(response.errored ?? new Error("the connection closed before the whole response arrived"));
      }
    });
  });
}
