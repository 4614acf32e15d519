import { afterEach, describe, expect, it, vi } from "vitest";
import { nextTick } from "vue";

import { mountApp } from "../../test/mountApp";
import RuleForm from "./RuleForm.vue";

/** Stubs fetch so every command POST returns `body`. */
function respondWith(body: unknown): ReturnType<typeof vi.fn> {
  const fetchMock = vi.fn(() => Promise.resolve(new Response(JSON.stringify(body), { status: 200 })));
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await nextTick();
  }
}

/** Types `value` into the local folder field. */
async function typeLocalPath(value: string): Promise<void> {
  const input = document.querySelector<HTMLInputElement>("[data-testid=sync-form-local-path] input");
  if (input === null) {
    throw new Error("the local folder input is not rendered");
  }
  input.value = value;
  input.dispatchEvent(new Event("input"));
  await settle();
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("RuleForm", () => {
  it("shows a two-way refusal under the direction", async () => {
    respondWith({
      command_id: "5f0c3c6e-2b9a-4d1e-8f7a-6b5c4d3e2f1a",
      ok: false,
      error: { code: "invalid_arguments", message: "direction: remote \"wd\" (webdav) does not keep modification times", params: { field: "direction", reason: "modtime_unsupported" } },
    });
    mountApp(RuleForm, { props: { instanceId: "demo", remotes: [{ name: "wd", type: "webdav" }], rule: null, show: true } });
    await settle();
    await typeLocalPath("ComfyUI/output");

    const save = document.querySelector<HTMLElement>("[data-testid=sync-form-save]");
    save?.click();
    await settle();
    expect(document.body.textContent).toContain("Two-way sync is not possible on this remote");
  });

  it("sends the rule body to sync.rule.create", async () => {
    const fetchMock = respondWith({ command_id: "5f0c3c6e-2b9a-4d1e-8f7a-6b5c4d3e2f1a", ok: false, error: { code: "command_failed", message: "x" } });
    mountApp(RuleForm, { props: { instanceId: "demo", remotes: [{ name: "disk", type: "alias" }], rule: null, show: true } });
    await settle();
    await typeLocalPath("ComfyUI/output");

    document.querySelector<HTMLElement>("[data-testid=sync-form-save]")?.click();
    await settle();
    const init = fetchMock.mock.calls[0]?.[1] as RequestInit | undefined;
    const sent = JSON.parse(String(init?.body)) as { name: string; args: { rule: { remote: string } } };
    expect(sent.name).toBe("sync.rule.create");
    expect(sent.args.rule.remote).toBe("disk");
  });

  it("rejects an empty local folder unsent", async () => {
    const fetchMock = respondWith({});
    mountApp(RuleForm, { props: { instanceId: "demo", remotes: [{ name: "disk", type: "alias" }], rule: null, show: true }, locale: "zh-CN" });
    await settle();

    document.querySelector<HTMLElement>("[data-testid=sync-form-save]")?.click();
    await settle();

    expect(fetchMock).not.toHaveBeenCalled();
    expect(document.body.textContent).toContain("请填写相对于工作区的文件夹");
  });

  it("names a dot-dot folder and the fix", async () => {
    const fetchMock = respondWith({});
    mountApp(RuleForm, { props: { instanceId: "demo", remotes: [{ name: "disk", type: "alias" }], rule: null, show: true } });
    await settle();
    await typeLocalPath("ComfyUI/../../etc");

    document.querySelector<HTMLElement>("[data-testid=sync-form-save]")?.click();
    await settle();

    expect(fetchMock).not.toHaveBeenCalled();
    expect(document.body.textContent).toContain('"ComfyUI/../../etc" contains "..". Name the folder inside the workspace without ".."');
  });

  it("names the folder the reporter put outside", async () => {
    respondWith({
      command_id: "5f0c3c6e-2b9a-4d1e-8f7a-6b5c4d3e2f1a",
      ok: false,
      error: { code: "invalid_arguments", message: "local_path: local_path \"/etc\" resolves to /etc, outside the workspace", params: { field: "local_path", reason: "outside_workspace" } },
    });
    mountApp(RuleForm, { props: { instanceId: "demo", remotes: [{ name: "disk", type: "alias" }], rule: null, show: true }, locale: "zh-CN" });
    await settle();
    await typeLocalPath("/etc");

    document.querySelector<HTMLElement>("[data-testid=sync-form-save]")?.click();
    await settle();

    expect(document.body.textContent).toContain("“/etc” 不在工作区内");
  });
});
