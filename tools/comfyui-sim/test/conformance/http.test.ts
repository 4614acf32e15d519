/** Checklist "HTTP basics": routes, status codes, body encoding and the origin check. */
import { randomBytes, randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { rawRequest } from "../helpers/raw-http.js";
import { startTarget, type Target } from "../helpers/sim.js";
import { getJson } from "../helpers/workflow.js";

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target.stop();
});

async function upload(name: string, content: Buffer, extra: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.set("image", new Blob([content], { type: "image/png" }), name);
  for (const [key, value] of Object.entries(extra)) {
    form.set(key, value);
  }
  const response = await fetch(`${target.url}/upload/image`, { method: "POST", body: form });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe("system_stats", () => {
  const systemKeys = ["os", "ram_total", "ram_free", "comfyui_version", "required_frontend_version", "installed_templates_version", "required_templates_version", "python_version", "pytorch_version", "embedded_python", "argv"];
  const deviceKeys = ["name", "type", "index", "vram_total", "vram_free", "torch_vram_total", "torch_vram_free"];

  test("plain and /api forms answer 200 with the same keys", async () => {
    const plain = await getJson<{ system: object; devices: object[] }>(target.url, "/system_stats");
    const prefixed = await getJson<{ system: object; devices: object[] }>(target.url, "/api/system_stats");
    expect(plain.status).toBe(200);
    expect(prefixed.status).toBe(200);
    expect(Object.keys(plain.body.system).sort()).toEqual(Object.keys(prefixed.body.system).sort());
  });

  test("system carries the documented keys", async () => {
    const { body } = await getJson<{ system: object }>(target.url, "/system_stats");
    expect(Object.keys(body.system).sort()).toEqual([...systemKeys].sort());
  });

  test("devices is one entry with the documented keys", async () => {
    const { body } = await getJson<{ devices: object[] }>(target.url, "/system_stats");
    expect(body.devices).toHaveLength(1);
    expect(Object.keys(body.devices[0] ?? {}).sort()).toEqual([...deviceKeys].sort());
  });
});

describe("idle queue", () => {
  test("GET /prompt reports nothing remaining", async () => {
    const { body } = await getJson(target.url, "/prompt");
    expect(body).toEqual({ exec_info: { queue_remaining: 0 } });
  });

  test("GET /queue is empty", async () => {
    const { body } = await getJson(target.url, "/queue");
    expect(body).toEqual({ queue_running: [], queue_pending: [] });
  });
});

describe("unknown things", () => {
  test("history of a random id is an empty object", async () => {
    const { status, body } = await getJson(target.url, `/history/${randomUUID()}`);
    expect(status).toBe(200);
    expect(body).toEqual({});
  });

  test("object_info of an unknown class is an empty object", async () => {
    const { status, body } = await getJson(target.url, "/object_info/NoSuchNode");
    expect(status).toBe(200);
    expect(body).toEqual({});
  });

  test("unknown model folder is 404", async () => {
    const response = await fetch(`${target.url}/models/nosuchfolder`);
    expect(response.status).toBe(404);
  });

  test("legacy unet folder name is 404", async () => {
    const response = await fetch(`${target.url}/models/unet`);
    expect(response.status).toBe(404);
  });
});

describe("model folders", () => {
  test("GET /models lists the common folder keys", async () => {
    const { body } = await getJson<string[]>(target.url, "/models");
    for (const key of ["checkpoints", "loras", "vae", "text_encoders", "diffusion_models", "embeddings"]) {
      expect(body).toContain(key);
    }
  });

  test("a dropped checkpoint appears without a restart and a .txt file does not", async ({ skip }) => {
    const baseDir = target.sim?.baseDir ?? process.env.COMFYUI_BASE_DIR;
    if (baseDir === undefined) {
      skip("needs COMFYUI_BASE_DIR to drop files into a real server's models folder");
      return;
    }
    const name = `dropped-${randomBytes(4).toString("hex")}.safetensors`;
    const folder = path.join(baseDir, "models", "checkpoints");
    writeFileSync(path.join(folder, name), "x");
    writeFileSync(path.join(folder, `${name}.txt`), "x");
    try {
      const { body } = await getJson<string[]>(target.url, "/models/checkpoints");
      expect(body).toContain(name);
      expect(body).not.toContain(`${name}.txt`);
    } finally {
      rmSync(path.join(folder, name));
      rmSync(path.join(folder, `${name}.txt`));
    }
  });
});

describe("view", () => {
  test("missing filename is 404", async () => {
    const response = await fetch(`${target.url}/view`);
    expect(response.status).toBe(404);
  });

  test("parent path is 400", async () => {
    const response = await fetch(`${target.url}/view?filename=../x`);
    expect(response.status).toBe(400);
  });

  test("unknown file is 404", async () => {
    const response = await fetch(`${target.url}/view?filename=${randomUUID()}.png`);
    expect(response.status).toBe(404);
  });

  test("an uploaded file comes back byte-identical with its disposition", async () => {
    const content = randomBytes(64);
    const name = `view-${randomBytes(4).toString("hex")}.png`;
    const uploaded = await upload(name, content);
    const response = await fetch(`${target.url}/view?filename=${encodeURIComponent(String(uploaded.name))}&type=input`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
    expect(response.headers.get("content-disposition")).toBe(`filename="${name}"`);
  });
});

describe("upload", () => {
  test("same bytes and name keep the name", async () => {
    const content = randomBytes(32);
    const name = `same-${randomBytes(4).toString("hex")}.png`;
    const first = await upload(name, content);
    const second = await upload(name, content);
    expect(second.name).toBe(first.name);
  });

  test("different bytes get a numbered name", async () => {
    const name = `diff-${randomBytes(4).toString("hex")}.png`;
    await upload(name, randomBytes(32));
    const second = await upload(name, randomBytes(32));
    expect(second.name).toBe(name.replace(".png", " (1).png"));
  });

  test("overwrite keeps the name and stores the new bytes", async () => {
    const name = `over-${randomBytes(4).toString("hex")}.png`;
    await upload(name, randomBytes(32));
    const replacement = randomBytes(32);
    const second = await upload(name, replacement, { overwrite: "true" });
    const response = await fetch(`${target.url}/view?filename=${encodeURIComponent(name)}&type=input`);
    expect(second.name).toBe(name);
    expect(Buffer.from(await response.arrayBuffer()).equals(replacement)).toBe(true);
  });

  test("answer names the upload type and subfolder", async () => {
    const uploaded = await upload(`meta-${randomBytes(4).toString("hex")}.png`, randomBytes(8));
    expect(uploaded.type).toBe("input");
    expect(uploaded.subfolder).toBe("");
  });
});

describe("encoding and origin", () => {
  test("JSON uses Python's separators", async () => {
    const response = await rawRequest(target.url, "/prompt");
    expect(response.body.toString("utf8")).toBe('{"exec_info": {"queue_remaining": 0}}');
  });

  test("JSON content type carries the charset", async () => {
    const response = await rawRequest(target.url, "/prompt");
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
  });

  test("loopback Host with a foreign Origin is 403", async () => {
    const port = new URL(target.url).port;
    const response = await rawRequest(target.url, "/system_stats", { headers: { Host: `127.0.0.1:${port}`, Origin: "http://evil.example" } });
    expect(response.status).toBe(403);
  });

  test("the same request without Origin passes", async () => {
    const port = new URL(target.url).port;
    const response = await rawRequest(target.url, "/system_stats", { headers: { Host: `127.0.0.1:${port}` } });
    expect(response.status).toBe(200);
  });

  test("a matching Origin passes", async () => {
    const port = new URL(target.url).port;
    const response = await rawRequest(target.url, "/system_stats", { headers: { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` } });
    expect(response.status).toBe(200);
  });
});

describe("internal logs", () => {
  test("raw entries carry t and m", async () => {
    const { body } = await getJson<{ entries: Array<Record<string, unknown>>; size: unknown }>(target.url, "/internal/logs/raw");
    expect(body.entries.length).toBeGreaterThan(0);
    expect(Object.keys(body.entries[0] ?? {}).sort()).toEqual(["m", "t"]);
  });

  test("the /api twin of internal logs is 404", async () => {
    const response = await fetch(`${target.url}/api/internal/logs`);
    expect(response.status).toBe(404);
  });

  test("/internal/logs is one JSON string", async () => {
    const { body } = await getJson<unknown>(target.url, "/internal/logs");
    expect(typeof body).toBe("string");
  });
});
