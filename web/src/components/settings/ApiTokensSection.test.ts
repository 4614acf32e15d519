import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import ApiTokensSection from "./ApiTokensSection.vue";
import { confirmDialog, fakeEdge } from "./fakeEdge";

const TOKEN = { id: "0123456789abcdef", name: "backup script", scope: "control", created_at: "2026-02-19T09:00:00.000Z", last_used_at: null };

async function mountTokens() {
  const wrapper = mountApp(ApiTokensSection);
  await flushPromises();
  return wrapper;
}

describe("ApiTokensSection", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("lists tokens with their scope and last use", async () => {
    fakeEdge({ "GET /api/tokens": { status: 200, body: { tokens: [{ ...TOKEN, last_used_at: "2026-02-19T10:00:00.000Z" }] } } });
    const wrapper = await mountTokens();
    const row = wrapper.get(`[data-testid=token-${TOKEN.id}]`);
    expect(row.text()).toContain("backup script");
    expect(row.text()).toContain("control");
    expect(row.get("[data-testid=last-used]").text()).toContain("last used");
  });

  it("creates a token and shows it once with a curl line", async () => {
    const edge = fakeEdge({
      "GET /api/tokens": { status: 200, body: { tokens: [] } },
      "POST /api/tokens": { status: 201, body: { ...TOKEN, token: "cca_secret1" } },
    });
    const wrapper = await mountTokens();
    await wrapper.get("[data-testid=token-name] input").setValue("backup script");
    await wrapper.get("[data-testid=token-scope-control] input").setValue(true);
    await wrapper.get("[data-testid=token-create]").trigger("submit");
    await flushPromises();

    expect(edge.sent.find((request) => request.method === "POST")?.body).toEqual({ name: "backup script", scope: "control" });
    expect(wrapper.get("[data-testid=token-created] [data-testid=copy-value]").text()).toBe("cca_secret1");
    expect(wrapper.get("[data-testid=token-curl]").text()).toContain("Authorization: Bearer cca_secret1");
  });

  it("forgets the token once dismissed", async () => {
    fakeEdge({
      "GET /api/tokens": { status: 200, body: { tokens: [] } },
      "POST /api/tokens": { status: 201, body: { ...TOKEN, token: "cca_secret1" } },
    });
    const wrapper = await mountTokens();
    await wrapper.get("[data-testid=token-name] input").setValue("backup script");
    await wrapper.get("[data-testid=token-create]").trigger("submit");
    await flushPromises();
    await wrapper.get("[data-testid=shown-once-done]").trigger("click");
    expect(document.body.innerHTML).not.toContain("cca_secret1");
  });

  it("asks for a name before creating", async () => {
    const edge = fakeEdge({ "GET /api/tokens": { status: 200, body: { tokens: [] } } });
    const wrapper = await mountTokens();
    await wrapper.get("[data-testid=token-create]").trigger("submit");
    await flushPromises();
    expect(edge.sent.filter((request) => request.method === "POST")).toEqual([]);
  });

  it("revokes only after confirmation", async () => {
    const edge = fakeEdge({
      "GET /api/tokens": { status: 200, body: { tokens: [TOKEN] } },
      [`DELETE /api/tokens/${TOKEN.id}`]: { status: 204 },
    });
    const wrapper = await mountTokens();
    await wrapper.get("[data-testid=token-revoke]").trigger("click");
    await flushPromises();
    expect(edge.sent.some((request) => request.method === "DELETE")).toBe(false);

    confirmDialog();
    await flushPromises();
    expect(edge.sent.some((request) => request.method === "DELETE" && request.path === `/api/tokens/${TOKEN.id}`)).toBe(true);
  });

  it("names the scope a refused caller lacks", async () => {
    fakeEdge({
      "GET /api/tokens": { status: 403, body: { error: { code: "forbidden", message: "needs admin", params: { needed: "admin", held: "read" } } } },
    });
    const wrapper = await mountTokens();
    expect(wrapper.text()).toContain("This needs the admin scope; the token used has only read.");
  });
});
