import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import { shallowRef } from "vue";

import LogLines from "./LogLines.vue";

describe("LogLines", () => {
  it("renders a bounded number of rows for 10,000 lines", async () => {
    const lines = shallowRef(Array.from({ length: 10_000 }, (_, n) => ({ n, text: `line ${n}` })));
    const wrapper = mount(LogLines, { props: { lines, version: 1, prepended: 0, follow: true, testid: "logs" } });
    await flushPromises();

    const rows = wrapper.findAll("[data-testid=log-row]").length;
    expect(wrapper.get("[data-testid=logs]").attributes("data-lines")).toBe("10000");
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(100);
  });

  it("marks traceback lines", async () => {
    const lines = shallowRef([{ n: 0, text: "Traceback (most recent call last):" }]);
    const wrapper = mount(LogLines, { props: { lines, version: 1, prepended: 0, follow: true, testid: "logs" } });
    await flushPromises();

    expect(wrapper.get("[data-testid=log-row]").classes()).toContain("bad");
  });
});
