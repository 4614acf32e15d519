// CivitAI search at the edge: the Worker's fetch to CivitAI is answered by a stub on a test
// host, so no request leaves the machine.
import { env } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { app } from "../src/app.js";
import { ORIGIN, call, login } from "./helpers.js";

const CIVITAI = "https://civitai.stub";
const SHA = "AB".repeat(32);

type Seen = { url: URL; authorization: string | null };
type Answer = (url: URL) => Response;

const page = (cursor: string | null = "75363|932023") => ({
  items: [
    {
      id: 11,
      name: "Inkwash XL",
      type: "LORA",
      nsfw: false,
      creator: { username: "mei" },
      stats: { downloadCount: 1234.9 },
      tags: ["style"],
      modelVersions: [
        {
          id: 111,
          name: "v2",
          baseModel: "SDXL 1.0",
          publishedAt: "2026-10-01T00:00:00.000Z",
          trainedWords: ["inkwash"],
          images: [{ url: "https://image.stub/clip.mp4", type: "video" }, { url: "https://image.stub/a.jpeg", type: "image" }],
          files: [
            { id: 1111, name: "inkwash_xl_v2.safetensors", type: "Model", sizeKB: 2, primary: true, metadata: { format: "SafeTensor", fp: "fp16" }, hashes: { SHA256: SHA } },
            { id: 1112, name: "inkwash_vae.safetensors", type: "VAE", sizeKB: 1.5 },
          ],
        },
      ],
    },
    { id: "broken" },
  ],
  metadata: cursor === null ? {} : { nextCursor: cursor },
});

let cookie = "";
let seen: Seen[] = [];
let answer: Answer = () => Response.json(page());

beforeAll(async () => {
  cookie = await login();
});

beforeEach(() => {
  seen = [];
  answer = () => Response.json(page());
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin !== CIVITAI && url.host !== "elsewhere.stub") {
      return realFetch(input, init);
    }
    seen.push({ url, authorization: request.headers.get("Authorization") });
    return answer(url);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Calls the route with the stub as CivitAI; each test uses its own query so cached pages do not leak between tests. */
async function search(query: string, who: string | null = cookie): Promise<Response> {
  const headers: Record<string, string> = who === null ? {} : { Cookie: who };
  return app.request(`${ORIGIN}/api/civitai/search?${query}`, { headers }, { ...env, CIVITAI_BASE_URL: CIVITAI });
}

describe("GET /api/civitai/search", () => {
  it("maps a CivitAI page to the command's result shape", async () => {
    const response = await search("query=mapping");

    expect(await response.json()).toEqual({
      items: [
        {
          id: 11,
          name: "Inkwash XL",
          type: "LORA",
          nsfw: false,
          creator: "mei",
          download_count: 1234,
          tags: ["style"],
          versions: [
            {
              id: 111,
              name: "v2",
              base_model: "SDXL 1.0",
              published_at: "2026-10-01T00:00:00.000Z",
              trained_words: ["inkwash"],
              preview_url: "https://image.stub/a.jpeg",
              files: [
                { id: 1111, name: "inkwash_xl_v2.safetensors", type: "Model", size_bytes: 2048, primary: true, sha256: SHA.toLowerCase(), format: "SafeTensor", fp: "fp16", folder: "loras/SDXL 1.0", download_url: `${CIVITAI}/api/download/models/111?fileId=1111` },
                { id: 1112, name: "inkwash_vae.safetensors", type: "VAE", size_bytes: 1536, primary: false, sha256: null, format: null, fp: null, folder: "vae", download_url: `${CIVITAI}/api/download/models/111?fileId=1112` },
              ],
            },
          ],
        },
      ],
      next_cursor: "75363|932023",
    });
  });

  it("reports the last page with a null cursor", async () => {
    answer = () => Response.json(page(null));

    const body: unknown = await (await search("query=last-page")).json();

    expect(body).toMatchObject({ next_cursor: null });
  });

  it("passes every filter through to CivitAI", async () => {
    await search("query=+filters+&types=LORA&types=LoCon&base_models=SDXL%201.0&base_models=Pony&sort=Newest&nsfw=true&cursor=c1&limit=5");

    expect(seen[0]?.url.search).toBe("?limit=5&query=filters&types=LORA&types=LoCon&baseModels=SDXL+1.0&baseModels=Pony&sort=Newest&nsfw=true&cursor=c1");
  });

  it("asks CivitAI for safe results and 20 items by default", async () => {
    await search("query=defaults");

    expect(seen[0]?.url.search).toBe("?limit=20&query=defaults&nsfw=false");
  });

  it("answers a repeated search from the cache", async () => {
    const first: unknown = await (await search("query=cached")).json();
    const second: unknown = await (await search("query=cached")).json();

    expect(seen).toHaveLength(1);
    expect(second).toEqual(first);
  });

  it("refuses a limit above 100, naming the field", async () => {
    const response = await search("query=x&limit=500");

    expect(response.status).toBe(400);
    expect(await response.text()).toContain("limit");
  });

  it("refuses an unknown parameter, naming it", async () => {
    const response = await search("qurey=x");

    expect(await response.text()).toContain("qurey");
  });

  it("refuses anonymous callers", async () => {
    const response = await search("query=anonymous", null);

    expect(response.status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it("maps a CivitAI rate limit to a clear error", async () => {
    answer = () => new Response("slow down", { status: 429 });

    const response = await search("query=rate-limited");

    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: { code: "download_failed", params: { reason: "rate_limited", host: "civitai.stub" } } });
  });

  it("maps a CivitAI server error to an HTTP failure with its status", async () => {
    answer = () => new Response("down", { status: 503 });

    const body: unknown = await (await search("query=server-error")).json();

    expect(body).toMatchObject({ error: { code: "download_failed", message: "CivitAI search failed with HTTP 503", params: { reason: "http_error", status: 503 } } });
  });

  it("does not cache a failed search", async () => {
    answer = () => new Response("down", { status: 503 });
    await search("query=not-cached");
    answer = () => Response.json(page());

    const response = await search("query=not-cached");

    expect(response.status).toBe(200);
  });

  describe("with the owner's CivitAI token stored", () => {
    beforeEach(async () => {
      const stored = await call("/api/secrets/civitai_token", { method: "PUT", cookie, body: { value: "civitai-secret-token" } });
      expect(stored.status).toBe(204);
    });

    afterEach(async () => {
      await call("/api/secrets/civitai_token", { method: "DELETE", cookie });
    });

    it("sends it to CivitAI", async () => {
      await search("query=with-token");

      expect(seen[0]?.authorization).toBe("Bearer civitai-secret-token");
    });

    it("does not follow a redirect to another host with it", async () => {
      answer = (url) => (url.host === "elsewhere.stub" ? Response.json(page()) : new Response(null, { status: 307, headers: { Location: "https://elsewhere.stub/api/v1/models" } }));

      const response = await search("query=redirected");

      expect(response.status).toBe(422);
      expect(seen.map(({ url }) => url.host)).toEqual(["civitai.stub"]);
    });

    it("never puts it in the response", async () => {
      const text = await (await search("query=no-leak")).text();

      expect(text).not.toContain("civitai-secret-token");
    });
  });

  it("searches without a token when none is stored", async () => {
    await search("query=anonymous-upstream");

    expect(seen[0]?.authorization).toBeNull();
  });
});
