import { describe, expect, it } from "vitest";

import { HostRegistry } from "../../src/downloads/hosts.js";
import type { TokenSource } from "../../src/downloads/hosts.js";
import { normaliseLink } from "../../src/downloads/links.js";

const hosts = new HostRegistry();
const allTokens: TokenSource = { get: (kind) => `${kind}-token` };

describe("normaliseLink", () => {
  it("turns a Hugging Face blob link into resolve", () => {
    const link = normaliseLink("https://huggingface.co/acme/tiny-vae/blob/main/vae/diffusion_pytorch_model.safetensors", hosts);
    expect(link.url).toBe("https://huggingface.co/acme/tiny-vae/resolve/main/vae/diffusion_pytorch_model.safetensors");
  });

  it("keeps hf.co resolve links and the datasets prefix", () => {
    expect(normaliseLink("https://hf.co/datasets/acme/set/resolve/v1/a.bin?download=true", hosts).url).toBe("https://huggingface.co/datasets/acme/set/resolve/v1/a.bin");
  });

  it.each(["https://civitai.com", "https://civitai.red"])("resolves %s modelVersionId links to version 456", (origin) => {
    const link = normaliseLink(`${origin}/models/123?modelVersionId=456`, hosts);
    expect(link.kind === "civitai" ? link.versionId : null).toBe(456);
    expect(link.url).toBe(`${origin}/api/download/models/456`);
  });

  it("keeps the slug form of model pages", () => {
    const link = normaliseLink("https://civitai.com/models/123/ink-wash-style?modelVersionId=456", hosts);
    expect(link.kind === "civitai" ? [link.modelId, link.versionId] : null).toEqual([123, 456]);
  });

  it("leaves a bare model page for the newest version", () => {
    const link = normaliseLink("https://civitai.com/models/123", hosts);
    expect(link.kind === "civitai" ? link.versionId : "other").toBeNull();
  });

  it("keeps download API selectors and drops a pasted token", () => {
    const link = normaliseLink("https://civitai.com/api/download/models/456?type=Model&format=SafeTensor&token=secret", hosts);
    expect(link.url).toBe("https://civitai.com/api/download/models/456?type=Model&format=SafeTensor");
  });

  it("prefers fileId over metadata selectors", () => {
    expect(normaliseLink("https://civitai.com/api/download/models/456?fileId=9&fp=fp16", hosts).url).toBe("https://civitai.com/api/download/models/456?fileId=9");
  });

  it.each([
    "https://civitai.com.evil.example/models/123?modelVersionId=456",
    "https://evil.example/civitai.com/models/123?modelVersionId=456",
    "https://b2.civitai.com/file/civitai-modelfiles/model/1/x.safetensors",
    "http://civitai.com/api/download/models/456",
    "https://civitai.com:8443/api/download/models/456",
    "https://huggingface.co.evil.example/acme/x/resolve/main/a.safetensors",
  ])("treats %s as a direct link without a token", (url) => {
    const link = normaliseLink(url, hosts);
    expect(link.kind).toBe("direct");
    expect(hosts.authHeaders(new URL(link.url), allTokens)).toEqual({});
  });

  it("gives the exact hosts their tokens", () => {
    expect(hosts.authHeaders(new URL("https://civitai.com/api/download/models/1"), allTokens)).toEqual({ Authorization: "Bearer civitai-token" });
    expect(hosts.authHeaders(new URL("https://huggingface.co/a/b/resolve/main/c.bin"), allTokens)).toEqual({ Authorization: "Bearer huggingface-token" });
  });

  it("sends HF downloads to HF_ENDPOINT", () => {
    const mirror = new HostRegistry({ hfEndpoint: "https://hf-mirror.example/" });
    const link = normaliseLink("https://huggingface.co/acme/x/blob/main/unet/model.safetensors", mirror);
    expect(link.url).toBe("https://hf-mirror.example/acme/x/resolve/main/unet/model.safetensors");
    expect(mirror.authHeaders(new URL(link.url), allTokens)).toEqual({ Authorization: "Bearer huggingface-token" });
  });

  it("turns ModelScope file pages into resolve links", () => {
    expect(normaliseLink("https://www.modelscope.cn/models/acme/wan/file/view/master/split/model.safetensors", hosts).url).toBe(
      "https://www.modelscope.cn/models/acme/wan/resolve/master/split/model.safetensors",
    );
    expect(normaliseLink("https://www.modelscope.cn/api/v1/models/acme/wan/repo?Revision=master&FilePath=a%2Fb.gguf", hosts).url).toBe(
      "https://www.modelscope.cn/models/acme/wan/resolve/master/a/b.gguf",
    );
  });

  it("sends ModelScope its token as cookie and bearer", () => {
    expect(hosts.authHeaders(new URL("https://www.modelscope.cn/models/a/b/resolve/master/c.bin"), allTokens)).toEqual({ Authorization: "Bearer modelscope-token", Cookie: "m_session_id=modelscope-token" });
  });

  it("keeps direct URLs", () => {
    expect(normaliseLink("https://files.example/models/x.safetensors?sig=1", hosts)).toEqual({ kind: "direct", url: "https://files.example/models/x.safetensors?sig=1" });
  });

  it.each(["not a url", "ftp://files.example/x.bin", "https://user:pw@files.example/x.bin", "https://civitai.com/images/5"])("rejects %s", (input) => {
    expect(() => normaliseLink(input, hosts)).toThrow(/link|unsupported|user name/);
  });

  it("rejects a non-loopback test host", () => {
    expect(() => new HostRegistry({ testOnlyLoopbackHosts: { "civitai.com:443": "civitai" } })).toThrow(/not a loopback address/);
  });
});
