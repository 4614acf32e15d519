/** tqdm line format, argparse errors and the log buffer's carriage-return handling. */
import { describe, expect, test } from "vitest";

import { UsageError, parseArgs } from "../../src/cli/argparse.js";
import { COMFY_OPTIONS } from "../../src/cli/options.js";
import { LogBuffer } from "../../src/log/buffer.js";
import { formatProgressLine } from "../../src/log/tqdm.js";

describe("formatProgressLine", () => {
  test("matches tqdm at 35%", () => {
    expect(formatProgressLine(7, 20, 1.4)).toBe(" 35%|███▌      | 7/20 [00:01<00:02,  5.00it/s]");
  });

  test("shows unknown rate at the start", () => {
    expect(formatProgressLine(0, 20, 0)).toBe("  0%|          | 0/20 [00:00<?, ?it/s]");
  });

  test("switches to seconds per step below one step a second", () => {
    expect(formatProgressLine(1, 4, 2)).toBe(" 25%|██▌       | 1/4 [00:02<00:06,  2.00s/it]");
  });
});

describe("parseArgs", () => {
  test("bare --listen means every address", () => {
    expect(parseArgs(COMFY_OPTIONS, ["--listen"])?.get("listen")).toBe("0.0.0.0,::");
  });

  test("unique prefixes are accepted", () => {
    expect(parseArgs(COMFY_OPTIONS, ["--por", "9000"])?.get("port")).toBe(9000);
  });

  test("mutually exclusive options are rejected", () => {
    expect(() => parseArgs(COMFY_OPTIONS, ["--lowvram", "--highvram"])).toThrow("argument --highvram: not allowed with argument --lowvram");
  });

  test("non-integer port is rejected", () => {
    expect(() => parseArgs(COMFY_OPTIONS, ["--port", "x"])).toThrow(UsageError);
  });
});

describe("LogBuffer", () => {
  test("a carriage-return write replaces an unfinished line", () => {
    const buffer = new LogBuffer();
    buffer.record("got prompt\n");
    buffer.record("\r 10%|");
    buffer.record("\r 20%|");
    expect(buffer.entries.map((entry) => entry.m)).toEqual(["got prompt\n", "\r 20%|"]);
  });

  test("a finished line is never replaced", () => {
    const buffer = new LogBuffer();
    buffer.record("done\n");
    buffer.record("\rnext");
    expect(buffer.entries).toHaveLength(2);
  });

  test("keeps the last 300 writes", () => {
    const buffer = new LogBuffer();
    for (let index = 0; index < 310; index += 1) {
      buffer.record(`${index}\n`);
    }
    expect(buffer.entries[0]?.m).toBe("10\n");
  });
});
