/** Checklist "Prompt submission": numbers, priorities and validation errors. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { againstRealServer, startTarget, type Target } from "../helpers/sim.js";
import { firstCheckpoint, postJson, txt2img, waitForHistory, waitForIdle, type Prompt } from "../helpers/workflow.js";

let target: Target;
let ckpt: string;

beforeAll(async () => {
  target = await startTarget();
  ckpt = await firstCheckpoint(target.url);
});

afterAll(async () => {
  await target.stop();
});

interface NodeError {
  errors: Array<{ type: string; message: string; details: string; extra_info: Record<string, unknown> }>;
  dependent_outputs: string[];
  class_type: string;
}

describe("numbers", () => {
  test("valid prompt answers prompt_id, number and empty node_errors", async () => {
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt }) });
    expect(result.status).toBe(200);
    expect(typeof result.body.prompt_id).toBe("string");
    expect(Number.isInteger(result.body.number)).toBe(true);
    expect(result.body.node_errors).toEqual({});
  });

  test("counter rises by one per POST, invalid ones included", async () => {
    const first = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt }) });
    await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt: "missing.safetensors" }) });
    const third = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt }) });
    expect(third.body.number).toBe(Number(first.body.number) + 2);
  });

  test("front negates the counter value", async () => {
    const before = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt }) });
    const front = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt }), front: true });
    expect(front.body.number).toBe(-(Number(before.body.number) + 1));
  });

  test("explicit number comes back as a float", async () => {
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt }), number: 7 });
    expect(result.raw).toContain('"number": 7.0');
  });

  test("client-chosen prompt id is kept", async () => {
    const promptId = "0b7c4f6e-3d2a-4e8f-9a1b-2c3d4e5f6a7b";
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt }), prompt_id: promptId });
    expect(result.body.prompt_id).toBe(promptId);
  });

  test("a fresh simulator starts counting at 0", async ({ skip }) => {
    if (againstRealServer()) {
      skip("a shared real server is not freshly started");
      return;
    }
    const fresh = await startTarget();
    try {
      const result = await postJson(fresh.url, "/prompt", { prompt: txt2img({ ckpt }) });
      expect(result.body.number).toBe(0);
    } finally {
      await fresh.stop();
    }
  });
});

describe("whole-prompt errors", () => {
  test("body without prompt is no_prompt", async () => {
    const result = await postJson(target.url, "/prompt", {});
    expect(result.status).toBe(400);
    expect((result.body.error as { type: string }).type).toBe("no_prompt");
    expect(result.body.node_errors).toEqual({});
  });

  test("unknown class_type is invalid_prompt naming the node", async () => {
    const prompt: Prompt = { ...txt2img({ ckpt }), "12": { class_type: "NoSuchNode", inputs: {} } };
    const result = await postJson(target.url, "/prompt", { prompt });
    const error = result.body.error as { type: string; details: string };
    expect(result.status).toBe(400);
    expect(error.type).toBe("invalid_prompt");
    expect(error.details).toBe("Node ID '#12'");
  });

  test("node without class_type is invalid_prompt", async () => {
    const result = await postJson(target.url, "/prompt", { prompt: { "1": { inputs: {} } } });
    expect((result.body.error as { message: string }).message).toBe("Cannot execute because a node is missing the class_type property.");
  });

  test("prompt without an output node is prompt_no_outputs", async () => {
    const prompt = txt2img({ ckpt });
    delete prompt["9"];
    const result = await postJson(target.url, "/prompt", { prompt });
    expect(result.status).toBe(400);
    expect((result.body.error as { type: string }).type).toBe("prompt_no_outputs");
  });
});

describe("node errors", () => {
  test("unknown checkpoint is value_not_in_list on node 4", async () => {
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt: "sdxl-missing.safetensors" }) });
    const nodeErrors = result.body.node_errors as Record<string, NodeError>;
    const error = nodeErrors["4"];
    expect(result.status).toBe(400);
    expect((result.body.error as { type: string }).type).toBe("prompt_outputs_failed_validation");
    expect(error?.errors[0]?.type).toBe("value_not_in_list");
    expect(error?.errors[0]?.extra_info.received_value).toBe("sdxl-missing.safetensors");
    expect(error?.dependent_outputs).toEqual(["9"]);
    expect(error?.class_type).toBe("CheckpointLoaderSimple");
  });

  test("steps 0 is smaller than min", async () => {
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, steps: 0 }) });
    const error = (result.body.node_errors as Record<string, NodeError>)["3"]?.errors[0];
    expect(error?.type).toBe("value_smaller_than_min");
    expect(error?.message).toBe("Value 0 smaller than min of 1");
  });

  test("missing required input on the output node fills details", async () => {
    const prompt = txt2img({ ckpt });
    prompt["9"] = { class_type: "SaveImage", inputs: { filename_prefix: "x" } };
    const result = await postJson(target.url, "/prompt", { prompt });
    const error = result.body.error as { details: string };
    expect(error.details).toBe("Required input is missing: images");
  });

  test("non-numeric steps is invalid_input_type", async () => {
    const prompt = txt2img({ ckpt });
    (prompt["3"] as { inputs: Record<string, unknown> }).inputs.steps = "many";
    const result = await postJson(target.url, "/prompt", { prompt });
    const error = (result.body.node_errors as Record<string, NodeError>)["3"]?.errors[0];
    expect(error?.type).toBe("invalid_input_type");
    expect(error?.details).toBe("steps, many, invalid literal for int() with base 10: 'many'");
  });

  test("linking the wrong type is return_type_mismatch", async () => {
    const prompt = txt2img({ ckpt });
    (prompt["8"] as { inputs: Record<string, unknown> }).inputs.vae = ["4", 0];
    const result = await postJson(target.url, "/prompt", { prompt });
    const error = (result.body.node_errors as Record<string, NodeError>)["8"]?.errors[0];
    expect(error?.type).toBe("return_type_mismatch");
    expect(error?.details).toBe("vae, received_type(MODEL) mismatch input_type(VAE)");
  });

  test("two outputs with one broken run only the good one", async () => {
    // Node 10 lacks its required filename_prefix, so only output 9 passes validation.
    const prompt: Prompt = { ...txt2img({ ckpt, seed: 4242 }), "10": { class_type: "SaveImage", inputs: { images: ["8", 0] } } };
    const result = await postJson(target.url, "/prompt", { prompt });
    expect(result.status).toBe(200);
    expect(Object.keys(result.body.node_errors as object)).toEqual(["10"]);
    const entry = await waitForHistory(target.url, String(result.body.prompt_id));
    expect(Object.keys(entry.outputs as object)).toEqual(["9"]);
  });

  test("queued prompt holds coerced values", async () => {
    await waitForIdle(target.url);
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: 777 }) });
    await waitForHistory(target.url, String(result.body.prompt_id));
    const response = await fetch(`${target.url}/history/${String(result.body.prompt_id)}`);
    expect(await response.text()).toContain('"cfg": 8.0');
  });
});
