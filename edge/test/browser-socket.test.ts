import { MAX_MESSAGE_BYTES } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { createInstance, flushBrowser, login, openBrowser } from "./helpers.js";

async function openWatchedBrowser() {
  const cookie = await login();
  const { instance_id } = await createInstance(cookie);
  const browser = await openBrowser(instance_id, cookie);
  await browser.next("overview");
  return browser;
}

describe("browser socket", () => {
  it("answers ping with pong", async () => {
    const browser = await openWatchedBrowser();
    browser.send({ type: "ping" });

    expect(await browser.next("pong")).toEqual({ type: "pong" });
  });

  it("answers a frame that is not JSON with invalid_message", async () => {
    const browser = await openWatchedBrowser();
    browser.send("{not json");

    const frame = await browser.next("error");
    expect(frame.request_id).toBeNull();
    expect(frame.error.code).toBe("invalid_message");
  });

  it("answers an unknown frame type with invalid_message", async () => {
    const browser = await openWatchedBrowser();
    browser.send({ type: "subscribe", topic: "everything" });

    expect((await browser.next("error")).error.code).toBe("invalid_message");
  });

  it("answers an unknown command with unknown_command and its request id", async () => {
    const browser = await openWatchedBrowser();
    browser.send({ type: "command", request_id: "r-1", name: "shell.exec", args: { cmd: "rm -rf /" } });

    const frame = await browser.next("error");
    expect(frame.request_id).toBe("r-1");
    expect(frame.error.code).toBe("unknown_command");
  });

  it("answers invalid arguments with invalid_arguments", async () => {
    const browser = await openWatchedBrowser();
    browser.send({ type: "command", request_id: "r-2", name: "service.restart", args: { name: "--help" } });

    const frame = await browser.next("error");
    expect(frame.request_id).toBe("r-2");
    expect(frame.error.code).toBe("invalid_arguments");
  });

  it("rejects a deadline over the maximum", async () => {
    const browser = await openWatchedBrowser();
    browser.send({ type: "command", request_id: "r-3", name: "comfyui.queue.clear", args: {}, deadline_ms: 24 * 60 * 60 * 1000 });

    expect((await browser.next("error")).error.message).toContain("over the maximum");
  });

  it("answers a frame over MAX_MESSAGE_BYTES with payload_too_large", async () => {
    const browser = await openWatchedBrowser();
    browser.send("x".repeat(MAX_MESSAGE_BYTES + 1));

    expect((await browser.next("error")).error.code).toBe("payload_too_large");
  });

  it("stays open after bad frames", async () => {
    const browser = await openWatchedBrowser();
    browser.send("garbage");
    browser.send({ type: "command" });
    await browser.next("error");
    await browser.next("error");

    await flushBrowser(browser);
    expect(browser.closeEvent).toBeNull();
  });

  it("completes a close the browser starts", async () => {
    const browser = await openWatchedBrowser();
    browser.ws.close(1000, "tab closed");

    expect(await browser.closed()).toEqual({ code: 1000, reason: "tab closed" });
  });

  it("gets not_found for an unknown instance", async () => {
    const browser = await openBrowser("never-enrolled-x2", await login());

    expect((await browser.next("error")).error.code).toBe("not_found");
    expect(await browser.closed()).toEqual({ code: 4000, reason: "not_found" });
  });

  it("is refused from another origin", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const browser = await openBrowser(instance_id, cookie, { Origin: "https://evil.test" });

    expect((await browser.next("error")).error.code).toBe("forbidden");
    expect(await browser.closed()).toEqual({ code: 4000, reason: "forbidden" });
  });
});
