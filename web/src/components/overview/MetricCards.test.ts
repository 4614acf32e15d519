import { describe, expect, it } from "vitest";

import { exampleSnapshot, gpuWith } from "../../test/fixtures";
import { mountApp } from "../../test/mountApp";
import MetricCards from "./MetricCards.vue";

function mountWithGpus(pairs: [vram: number, temperature: number][]) {
  const snapshot = exampleSnapshot();
  snapshot.system.gpus = pairs.map(([vram, temperature], index) => gpuWith(index, vram, temperature));
  return mountApp(MetricCards, { props: { system: snapshot.system } });
}

describe("MetricCards", () => {
  it.each([
    [59, "green"],
    [60, "amber"],
    [85, "amber"],
    [86, "red"],
  ] as const)("colours VRAM at %i %% %s on both GPUs", (percent, level) => {
    const wrapper = mountWithGpus([
      [percent, 50],
      [percent, 50],
    ]);
    expect(wrapper.get("[data-testid=vram-card-0]").attributes("data-level")).toBe(level);
    expect(wrapper.get("[data-testid=vram-card-1]").attributes("data-level")).toBe(level);
  });

  it.each([
    [69, "green"],
    [70, "amber"],
    [85, "amber"],
    [86, "red"],
  ] as const)("colours the GPU card at %i °C %s on both GPUs", (celsius, level) => {
    const wrapper = mountWithGpus([
      [10, celsius],
      [10, celsius],
    ]);
    expect(wrapper.get("[data-testid=gpu-card-0]").attributes("data-level")).toBe(level);
    expect(wrapper.get("[data-testid=gpu-card-1]").attributes("data-level")).toBe(level);
  });

  it("keeps the utilization bar neutral", () => {
    const wrapper = mountWithGpus([[95, 90]]);
    expect(wrapper.get("[data-testid=gpu-card-0] [role=progressbar]").attributes("data-level")).toBe("neutral");
  });

  it("shows the example's values", () => {
    const wrapper = mountApp(MetricCards, { props: { system: exampleSnapshot().system } });
    expect(wrapper.get("[data-testid=gpu-utilization]").text()).toBe("45%");
    expect(wrapper.get("[data-testid=gpu-temperature]").text()).toBe("62 °C");
    expect(wrapper.get("[data-testid=gpu-power]").text()).toBe("212.4 / 450 W");
    expect(wrapper.get("[data-testid=vram-card-0] [data-testid=capacity-usage]").text()).toBe("8.2 / 24.0 GiB");
    expect(wrapper.get("[data-testid=disk-card]").text()).toContain("/workspace");
  });

  it("explains a GPU sampling failure", () => {
    const snapshot = exampleSnapshot();
    snapshot.system.gpu_error = { code: "nvidia_smi_missing", message: "not found", since: snapshot.captured_at };
    const wrapper = mountApp(MetricCards, { props: { system: snapshot.system } });
    expect(wrapper.get("[data-testid=gpu-error]").text()).toContain("nvidia-smi is not installed");
  });

  describe("during an NVML failure", () => {
    function mountFailing() {
      const snapshot = exampleSnapshot();
      snapshot.system.gpus = [gpuWith(0, 10, 41)];
      snapshot.system.gpu_error = { code: "nvml_failed", message: "Failed to initialize NVML: Unknown Error", since: snapshot.captured_at };
      return mountApp(MetricCards, { props: { system: snapshot.system } });
    }

    it("marks the GPU card stale", () => {
      const card = mountFailing().get("[data-testid=gpu-card-0]");

      expect(card.attributes("data-stale")).toBe("true");
      expect(card.attributes("data-level")).toBe("neutral");
      expect(card.get("[data-testid=stale-label]").text()).toBe("Last good sample");
    });

    it("marks the VRAM card stale", () => {
      const card = mountFailing().get("[data-testid=vram-card-0]");

      expect(card.attributes("data-stale")).toBe("true");
      expect(card.attributes("data-level")).toBe("neutral");
      expect(card.get("[data-testid=stale-label]").text()).toBe("Last good sample");
    });

    it("keeps the memory card live", () => {
      const card = mountFailing().get("[data-testid=memory-card]");

      expect(card.attributes("data-stale")).toBe("false");
      expect(card.find("[data-testid=stale-label]").exists()).toBe(false);
    });
  });

  it("shows live GPU cards without the stale label", () => {
    const wrapper = mountWithGpus([[10, 41]]);

    expect(wrapper.get("[data-testid=gpu-card-0]").attributes("data-level")).toBe("green");
    expect(wrapper.find("[data-testid=stale-label]").exists()).toBe(false);
  });
});
