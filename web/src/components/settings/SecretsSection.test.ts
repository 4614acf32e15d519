import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import { confirmDialog, fakeEdge } from "./fakeEdge";
import SecretsSection from "./SecretsSection.vue";

const NOT_SET = { set: false, updated_at: null };
const LIST_EMPTY = {
  secrets: [
    { name: "civitai_token", ...NOT_SET },
    { name: "hf_token", ...NOT_SET },
    { name: "cloudflare_token", ...NOT_SET },
    { name: "rclone_conf", ...NOT_SET },
  ],
};
const LIST_CIVITAI_SET = {
  secrets: LIST_EMPTY.secrets.map((item) => (item.name === "civitai_token" ? { ...item, set: true, updated_at: "2026-02-19T09:00:00.000Z" } : item)),
};

async function mountSecrets() {
  const wrapper = mountApp(SecretsSection);
  await flushPromises();
  return wrapper;
}

describe("SecretsSection", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("shows each secret as set or not set", async () => {
    fakeEdge({ "GET /api/secrets": { status: 200, body: LIST_CIVITAI_SET } });
    const wrapper = await mountSecrets();
    expect(wrapper.get("[data-testid=secret-civitai_token] [data-testid=secret-status]").text()).toBe("Set");
    expect(wrapper.get("[data-testid=secret-hf_token] [data-testid=secret-status]").text()).toBe("Not set");
  });

  it("sends a new value with PUT and drops it from the page", async () => {
    let listed: object = LIST_EMPTY;
    const edge = fakeEdge({
      "GET /api/secrets": () => ({ status: 200, body: listed }),
      "PUT /api/secrets/civitai_token": () => {
        listed = LIST_CIVITAI_SET;
        return { status: 204 };
      },
    });
    const wrapper = await mountSecrets();
    await wrapper.get("[data-testid=secret-civitai_token] [data-testid=secret-edit]").trigger("click");
    await wrapper.get("[data-testid=secret-input] input").setValue("civitai-value-123");
    await wrapper.get("[data-testid=secret-save]").trigger("submit");
    await flushPromises();

    expect(edge.sent.find((request) => request.method === "PUT")?.body).toEqual({ value: "civitai-value-123" });
    expect(wrapper.get("[data-testid=secret-civitai_token] [data-testid=secret-status]").text()).toBe("Set");
    expect(document.body.innerHTML).not.toContain("civitai-value-123");
  });

  it("edits rclone.conf as several lines", async () => {
    fakeEdge({ "GET /api/secrets": { status: 200, body: LIST_EMPTY } });
    const wrapper = await mountSecrets();
    await wrapper.get("[data-testid=secret-rclone_conf] [data-testid=secret-edit]").trigger("click");
    expect(wrapper.find("[data-testid=secret-input] textarea").exists()).toBe(true);
  });

  it("clears a secret after confirmation", async () => {
    const edge = fakeEdge({
      "GET /api/secrets": { status: 200, body: LIST_CIVITAI_SET },
      "DELETE /api/secrets/civitai_token": { status: 204 },
    });
    const wrapper = await mountSecrets();
    await wrapper.get("[data-testid=secret-civitai_token] [data-testid=secret-clear]").trigger("click");
    await flushPromises();
    confirmDialog();
    await flushPromises();
    expect(edge.sent.some((request) => request.method === "DELETE" && request.path === "/api/secrets/civitai_token")).toBe(true);
  });

  it("offers no clear button for an unset secret", async () => {
    fakeEdge({ "GET /api/secrets": { status: 200, body: LIST_EMPTY } });
    const wrapper = await mountSecrets();
    expect(wrapper.find("[data-testid=secret-hf_token] [data-testid=secret-clear]").exists()).toBe(false);
  });
});
