import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { stubCommands } from "../../composables/testing/commandStub";
import { mountApp } from "../../test/mountApp";
import GitInstall from "./GitInstall.vue";

describe("GitInstall", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("names a URL git would read as an option and sends nothing", async () => {
    const sent = stubCommands({});
    const wrapper = mountApp(GitInstall, { props: { instanceId: "studio-4090", disabled: false } });

    await wrapper.get("[data-testid=git-url] input").setValue("--upload-pack=touch /tmp/x");
    await wrapper.get("[data-testid=git-install-run]").trigger("click");
    expect(wrapper.get("[data-testid=git-problem]").attributes("data-problem")).toBe("dash");
    expect(sent).toHaveLength(0);
  });

  it("installs with a deadline for the clone", async () => {
    const sent = stubCommands({ "nodes.install_git": () => ({ name: "pack", commit: "0123456789abcdef0123456789abcdef01234567", requirements: true }) });
    const wrapper = mountApp(GitInstall, { props: { instanceId: "studio-4090", disabled: false } });

    await wrapper.get("[data-testid=git-url] input").setValue("https://github.com/owner/pack");
    await wrapper.get("[data-testid=git-install-run]").trigger("click");
    await flushPromises();
    expect(sent[0]).toEqual({ name: "nodes.install_git", args: { url: "https://github.com/owner/pack" }, deadline_ms: 600_000 });
    expect(wrapper.get("[data-testid=git-outcome]").text()).toContain("Installed pack at 01234567");
  });
});
