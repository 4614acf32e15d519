import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { FakeHuggingFace, INVALID_CREDENTIALS, SyntheticFile } from "../src/index.js";

const weights = new SyntheticFile({ size: 200_000, seed: "hf-weights", format: "safetensors" });
const config = new SyntheticFile({ size: 64, seed: "hf-config", format: "raw" });
const sha = "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2";

const hf = new FakeHuggingFace({
  repos: [
    { id: "acme/open", sha, files: [{ path: "config.json", file: config, lfs: false }, { path: "vae/model.safetensors", file: weights, lfs: true }, { path: "a.txt", file: config, lfs: false }] },
    { id: "acme/gated", sha, gated: "manual", acceptedUsers: ["alice"], files: [{ path: "model.safetensors", file: weights, lfs: true }] },
  ],
  tokens: [
    { token: "hf_alice", user: "alice", role: "read" },
    { token: "hf_bob", user: "bob", role: "read" },
    { token: "hf_alice_fg", user: "alice", role: "fineGrained", canReadGatedRepos: false },
  ],
  treePageSize: 2,
});
beforeAll(() => hf.start());
afterAll(() => hf.close());

const get = (path: string, token?: string, method = "GET"): Promise<Response> =>
  fetch(`${hf.origin}${path}`, { method, redirect: "manual", headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });

describe("fake Hugging Face", () => {
  it("redirects LFS files to the CDN with linked hash and size", async () => {
    const response = await get("/acme/open/resolve/main/vae/model.safetensors");
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get("location") ?? "").origin).toBe(hf.cdn.origin);
    expect(response.headers.get("x-linked-etag")).toBe(`"${await weights.sha256()}"`);
    expect(response.headers.get("x-linked-size")).toBe("200000");
    expect(response.headers.get("x-repo-commit")).toBe(sha);
  });

  it("redirects small files relatively to the resolve cache", async () => {
    const response = await get("/acme/open/resolve/main/config.json");
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toMatch(/^\/api\/resolve-cache\/models\/acme\/open\//);
  });

  it("sends filename* and a trailing semicolon from the CDN", async () => {
    const location = (await get("/acme/open/resolve/main/vae/model.safetensors")).headers.get("location") ?? "";
    const response = await fetch(location);
    expect(response.headers.get("content-disposition")).toBe(`inline; filename*=UTF-8''model.safetensors; filename="model.safetensors";`);
  });

  it("keeps error codes on HEAD", async () => {
    const response = await get("/acme/open/resolve/main/missing.bin", undefined, "HEAD");
    expect(response.headers.get("x-error-code")).toBe("EntryNotFound");
    expect(response.headers.get("x-repo-commit")).toBe(sha);
  });

  it("rejects an invalid token even on public repos", async () => {
    const response = await get("/acme/open/resolve/main/config.json", "hf_nobody");
    expect(response.status).toBe(401);
    expect(response.headers.get("x-error-message")).toBe(INVALID_CREDENTIALS);
  });

  it("hides unknown repos behind 401 anonymous and 404 signed in", async () => {
    expect((await get("/api/models/acme/none")).status).toBe(401);
    expect((await get("/api/models/acme/none", "hf_bob")).status).toBe(404);
  });

  it("shows gated repo info but gates resolve three ways", async () => {
    expect((await get("/api/models/acme/gated")).status).toBe(200);
    const anonymous = await get("/acme/gated/resolve/main/model.safetensors");
    const notAccepted = await get("/acme/gated/resolve/main/model.safetensors", "hf_bob");
    const fineGrained = await get("/acme/gated/resolve/main/model.safetensors", "hf_alice_fg");
    expect([anonymous.status, notAccepted.status, fineGrained.status]).toEqual([401, 403, 403]);
    expect(anonymous.headers.get("x-error-code")).toBe("GatedRepo");
    expect(notAccepted.headers.get("x-error-message")).toContain("not in the authorized list");
    expect(fineGrained.headers.get("x-error-message")).toContain("fine-grained token");
    expect((await get("/acme/gated/resolve/main/model.safetensors", "hf_alice")).status).toBe(302);
  });

  it("reports fine-grained gated access in whoami", async () => {
    const body = (await (await get("/api/whoami-v2", "hf_alice_fg")).json()) as { auth: { accessToken: { role: string; fineGrained: { canReadGatedRepos: boolean } } } };
    expect(body.auth.accessToken.fineGrained.canReadGatedRepos).toBe(false);
  });

  it("pages the tree with a Link header and accepts encoded paths", async () => {
    const first = await get("/api/models/acme/open/tree/main?recursive=true");
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
    const second = (await (await fetch(next)).json()) as { path: string }[];
    expect(second.map((e) => e.path)).toEqual(["vae", "vae/model.safetensors"]);
    const listed = (await (await get("/api/models/acme/open/tree/main/vae%2F")).json()) as { lfs?: { oid: string } }[];
    expect(listed[0]?.lfs?.oid).toBe(await weights.sha256());
  });

  it("serves blob pages as HTML", async () => {
    expect((await get("/acme/open/blob/main/vae/model.safetensors")).headers.get("content-type")).toContain("text/html");
  });

  it("caps bandwidth per connection", async () => {
    hf.cdn.bytesPerSecond = 400_000;
    const started = Date.now();
    const location = (await get("/acme/open/resolve/main/vae/model.safetensors")).headers.get("location") ?? "";
    await (await fetch(location)).arrayBuffer();
    hf.cdn.bytesPerSecond = 0;
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });
});
