import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { onUnauthorized } from "../../api/client";
import { mountApp } from "../../test/mountApp";
import { fakeEdge } from "./fakeEdge";
import PasswordSection from "./PasswordSection.vue";

import type { FakeReply } from "./fakeEdge";

async function submitWith(reply: FakeReply, fields: { current: string; next: string; repeat: string }) {
  const edge = fakeEdge({ "POST /api/auth/password": reply });
  const wrapper = mountApp(PasswordSection);
  await wrapper.get("[data-testid=password-current] input").setValue(fields.current);
  await wrapper.get("[data-testid=password-new] input").setValue(fields.next);
  await wrapper.get("[data-testid=password-repeat] input").setValue(fields.repeat);
  await wrapper.get("[data-testid=password-submit]").trigger("submit");
  await flushPromises();
  return { wrapper, edge };
}

const VALID = { current: "old-password-1", next: "new-password-12", repeat: "new-password-12" };

describe("PasswordSection", () => {
  afterEach(() => {
    onUnauthorized(null);
    document.body.innerHTML = "";
  });

  it("sends the current and the new password", async () => {
    const { edge } = await submitWith({ status: 204 }, VALID);
    expect(edge.sent[0]?.body).toEqual({ current_password: "old-password-1", new_password: "new-password-12" });
  });

  it("empties the fields after a change", async () => {
    const { wrapper } = await submitWith({ status: 204 }, VALID);
    expect((wrapper.get("[data-testid=password-new] input").element as HTMLInputElement).value).toBe("");
  });

  it("refuses a short new password without a request", async () => {
    const { wrapper, edge } = await submitWith({ status: 204 }, { current: "old", next: "short", repeat: "short" });
    expect(edge.sent).toEqual([]);
    expect(wrapper.get("[data-testid=password-error]").text()).toContain("at least 12 characters");
  });

  it("refuses two different new passwords", async () => {
    const { wrapper, edge } = await submitWith({ status: 204 }, { ...VALID, repeat: "new-password-13" });
    expect(edge.sent).toEqual([]);
    expect(wrapper.get("[data-testid=password-error]").text()).toBe("The two new passwords differ.");
  });

  it("says the current password is wrong without signing out", async () => {
    const expired = vi.fn();
    onUnauthorized(expired);
    const { wrapper } = await submitWith({ status: 401, body: { error: { code: "unauthorized", message: "the current password is wrong" } } }, VALID);
    expect(wrapper.get("[data-testid=password-error]").text()).toBe("The current password is wrong.");
    expect(expired).not.toHaveBeenCalled();
  });

  it("gives the wait of a throttled change", async () => {
    const { wrapper } = await submitWith({ status: 429, body: { error: { code: "rate_limited", message: "slow down", params: { retry_after_s: 900 } } } }, VALID);
    expect(wrapper.get("[data-testid=password-error]").text()).toBe("Too many attempts. Try again in 15 min.");
  });
});
