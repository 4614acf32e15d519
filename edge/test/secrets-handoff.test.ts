import { env, runInDurableObject } from "cloudflare:test";
import { auditPageSchema, commandSchemas } from "@comfycarry/shared";
import type { EdgeToReporterMessage, HeldSecrets } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import type { InstanceObject } from "../src/instance/instance-object.js";
import { sha256Hex } from "../src/secrets/digest.js";
import { secretForJob } from "../src/secrets/handoff.js";
import { call, createInstance, flushBrowser, flushReporter, hello, login, openBrowser, openReporter } from "./helpers.js";
import type { ReporterProbe } from "./helpers.js";

// Secrets are stored for the whole fleet, so each test sets the values it relies on and
// compares against them, whatever other tests stored before.

type Command = Extract<EdgeToReporterMessage, { type: "command" }>;

function unique(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

function confWith(password: string): string {
  return `[dav]\ntype = webdav\nurl = http://127.0.0.1:1/\nuser = me\npass = ${password}\n`;
}

async function putSecret(cookie: string, name: string, value: string): Promise<void> {
  const response = await call(`/api/secrets/${name}`, { method: "PUT", cookie, body: { value } });
  expect(response.status).toBe(204);
}

async function clearSecret(cookie: string, name: string): Promise<void> {
  expect((await call(`/api/secrets/${name}`, { method: "DELETE", cookie })).status).toBe(204);
}

/** Connects a reporter whose hello reports `held`, and returns it once welcomed. */
async function connectHolding(token: string, instanceId: string, held: HeldSecrets | undefined): Promise<{ reporter: ReporterProbe; features: string[] }> {
  const reporter = await openReporter(token);
  reporter.send(held === undefined ? hello(instanceId) : { ...hello(instanceId), secrets: held });
  const welcome = await reporter.next("welcome");
  return { reporter, features: welcome.features ?? [] };
}

/** Reads every command frame received so far, after a ping proved the edge handled the hello. */
async function commandsSoFar(reporter: ReporterProbe): Promise<Command[]> {
  await flushReporter(reporter);
  const commands: Command[] = [];
  while (reporter.unread().includes("command")) {
    commands.push(await reporter.next("command"));
  }
  return commands;
}

/** Creates an instance, sets both tokens at the edge to new values and rclone.conf to `conf` (or clears it). */
async function freshInstance(conf: string | null = null) {
  const cookie = await login();
  const { instance_id: instanceId, token } = await createInstance(cookie);
  const civitai = unique("civitai");
  const hf = unique("hf");
  await putSecret(cookie, "civitai_token", civitai);
  await putSecret(cookie, "hf_token", hf);
  if (conf === null) {
    await clearSecret(cookie, "rclone_conf");
  } else {
    await putSecret(cookie, "rclone_conf", conf);
  }
  const heldAll: HeldSecrets = { tokens: { civitai_token: await sha256Hex(civitai), hf_token: await sha256Hex(hf) } };
  return { cookie, instanceId, token, civitai, hf, heldAll };
}

function stubOf(instanceId: string) {
  return env.INSTANCES.get(env.INSTANCES.idFromName(instanceId));
}

describe("welcome", () => {
  it("lists secret_update as a feature", async () => {
    const { instanceId, token } = await freshInstance();

    const { features } = await connectHolding(token, instanceId, undefined);

    expect(features).toContain("secret_update");
  });
});

describe("secret_update from the reporter", () => {
  it("stores the new rclone.conf", async () => {
    const { instanceId, token } = await freshInstance(confWith("old-password"));
    const { reporter } = await connectHolding(token, instanceId, undefined);
    const content = confWith(unique("refreshed"));

    reporter.send({ type: "secret_update", name: "rclone_conf", content, sha256: await sha256Hex(content) });
    await flushReporter(reporter);

    expect(await secretForJob(env, "rclone_conf")).toBe(content);
  });

  it("refuses a digest that does not match the content", async () => {
    const stored = confWith(unique("kept"));
    const { instanceId, token } = await freshInstance(stored);
    const { reporter } = await connectHolding(token, instanceId, undefined);

    reporter.send({ type: "secret_update", name: "rclone_conf", content: confWith("forged"), sha256: await sha256Hex("something else") });
    await flushReporter(reporter);

    expect(await secretForJob(env, "rclone_conf")).toBe(stored);
  });

  it("never reaches a browser", async () => {
    const { cookie, instanceId, token } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, undefined);
    const browser = await openBrowser(instanceId, cookie);
    await browser.next("overview");
    const content = confWith(unique("private"));

    reporter.send({ type: "secret_update", name: "rclone_conf", content, sha256: await sha256Hex(content) });
    await flushReporter(reporter);
    await flushBrowser(browser);

    expect(browser.unread()).toEqual([]);
  });

  it("is audited by name only", async () => {
    const { cookie, instanceId, token } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, undefined);
    const content = confWith(unique("audited"));

    reporter.send({ type: "secret_update", name: "rclone_conf", content, sha256: await sha256Hex(content) });
    await flushReporter(reporter);
    const page = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instanceId}&action=secret.update`, { cookie })).json());

    expect(page.entries.map((entry) => entry.args)).toEqual([{ name: "rclone_conf" }]);
  });
});

describe("handoff on hello", () => {
  it("sends the tokens a reporter lacks", async () => {
    const { instanceId, token, civitai, hf } = await freshInstance();

    const { reporter } = await connectHolding(token, instanceId, { tokens: {} });
    const commands = await commandsSoFar(reporter);

    expect(commands.map((command) => [command.name, command.args])).toEqual([
      ["secrets.set", { name: "civitai_token", value: civitai }],
      ["secrets.set", { name: "hf_token", value: hf }],
    ]);
  });

  it("sends nothing a reporter already holds", async () => {
    const { instanceId, token, heldAll } = await freshInstance();

    const { reporter } = await connectHolding(token, instanceId, heldAll);

    expect(await commandsSoFar(reporter)).toEqual([]);
  });

  it("sends nothing to a reporter that reports no secrets", async () => {
    const { instanceId, token } = await freshInstance(confWith("x"));

    const { reporter } = await connectHolding(token, instanceId, undefined);

    expect(await commandsSoFar(reporter)).toEqual([]);
  });

  it("replaces a token held in an older version", async () => {
    const { instanceId, token, hf, heldAll } = await freshInstance();

    const { reporter } = await connectHolding(token, instanceId, { tokens: { ...heldAll.tokens, hf_token: await sha256Hex("older") } });

    expect((await commandsSoFar(reporter)).map((command) => command.args)).toEqual([{ name: "hf_token", value: hf }]);
  });

  it("clears a token the owner cleared", async () => {
    const { cookie, instanceId, token, heldAll } = await freshInstance();
    await clearSecret(cookie, "civitai_token");

    const { reporter } = await connectHolding(token, instanceId, heldAll);

    expect((await commandsSoFar(reporter)).map((command) => [command.name, command.args])).toEqual([["secrets.clear", { name: "civitai_token" }]]);
  });

  it("replaces an rclone.conf that differs from the stored one", async () => {
    const conf = confWith(unique("dav"));
    const { instanceId, token, heldAll } = await freshInstance(conf);

    const { reporter } = await connectHolding(token, instanceId, { ...heldAll, rclone_conf: { sha256: await sha256Hex("older"), unsent: false } });

    expect((await commandsSoFar(reporter)).map((command) => [command.name, command.args])).toEqual([["sync.config.set", { rclone_conf: conf, mode: "replace" }]]);
  });

  it("gives rclone.conf to a reporter that has none", async () => {
    const conf = confWith(unique("dav"));
    const { instanceId, token, heldAll } = await freshInstance(conf);

    const { reporter } = await connectHolding(token, instanceId, { ...heldAll, rclone_conf: { sha256: null, unsent: false } });

    expect((await commandsSoFar(reporter)).map((command) => command.name)).toEqual(["sync.config.set"]);
  });

  it("keeps an rclone.conf change that has not reached the edge yet", async () => {
    const { instanceId, token, heldAll } = await freshInstance(confWith(unique("dav")));

    const { reporter } = await connectHolding(token, instanceId, { ...heldAll, rclone_conf: { sha256: await sha256Hex("newer"), unsent: true } });

    expect(await commandsSoFar(reporter)).toEqual([]);
  });

  it("counts rclone.conf as the same when only the trailing line breaks differ", async () => {
    const conf = `${confWith(unique("dav"))}\n\n`;
    const { instanceId, token, heldAll } = await freshInstance(conf);

    const { reporter } = await connectHolding(token, instanceId, { ...heldAll, rclone_conf: { sha256: await sha256Hex(`${conf.trimEnd()}\n`), unsent: false } });

    expect(await commandsSoFar(reporter)).toEqual([]);
  });
});

describe("owner changes", () => {
  it("push a new token to a connected reporter", async () => {
    const { cookie, instanceId, token, heldAll } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, heldAll);
    const next = unique("hf");

    await putSecret(cookie, "hf_token", next);

    expect((await commandsSoFar(reporter)).map((command) => command.args)).toEqual([{ name: "hf_token", value: next }]);
  });

  it("push the Cloudflare API token for the tunnel", async () => {
    const { cookie, instanceId, token, heldAll } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, heldAll);
    const next = unique("cf");

    await putSecret(cookie, "cloudflare_token", next);
    const commands = await commandsSoFar(reporter);
    // Secrets are fleet-wide, so later hello tests must not find this one stored.
    await clearSecret(cookie, "cloudflare_token");

    expect(commands.map((command) => [command.name, command.args])).toEqual([["secrets.set", { name: "cloudflare_token", value: next }]]);
  });

  it("remove a cleared token from a connected reporter", async () => {
    const { cookie, instanceId, token, heldAll } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, heldAll);

    await clearSecret(cookie, "hf_token");

    expect((await commandsSoFar(reporter)).map((command) => [command.name, command.args])).toEqual([["secrets.clear", { name: "hf_token" }]]);
  });

  it("push a new rclone.conf to a reporter that runs sync", async () => {
    const { cookie, instanceId, token, heldAll } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, { ...heldAll, rclone_conf: { sha256: null, unsent: false } });
    const conf = confWith(unique("dav"));
    // The hello handoff must finish first: one still running would also send the conf stored below.
    expect(await commandsSoFar(reporter)).toEqual([]);

    await putSecret(cookie, "rclone_conf", conf);

    expect((await commandsSoFar(reporter)).map((command) => [command.name, command.args])).toEqual([["sync.config.set", { rclone_conf: conf, mode: "replace" }]]);
  });

  it("do not send rclone.conf to a reporter without sync", async () => {
    const { cookie, instanceId, token, heldAll } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, heldAll);

    await putSecret(cookie, "rclone_conf", confWith(unique("dav")));

    expect(await commandsSoFar(reporter)).toEqual([]);
  });
});

describe("secret-carrying commands", () => {
  it("are audited without the secret", async () => {
    const { cookie, instanceId, token } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, { tokens: {} });
    for (const command of await commandsSoFar(reporter)) {
      const { name } = commandSchemas["secrets.set"].args.parse(command.args);
      reporter.send({ type: "command_result", id: command.id, ok: true, data: { name, sha256: "0".repeat(64) } });
    }
    await flushReporter(reporter);

    const page = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instanceId}&action=secrets.set`, { cookie })).json());

    expect(page.entries.map((entry) => JSON.stringify(entry.args)).sort()).toEqual([
      JSON.stringify({ name: "civitai_token", value: "[redacted]" }),
      JSON.stringify({ name: "hf_token", value: "[redacted]" }),
    ]);
  });

  it("are audited without rclone.conf whatever field holds it", async () => {
    const { cookie, instanceId } = await freshInstance();
    const pasted = unique("pasted");

    await call(`/api/instances/${instanceId}/commands`, { cookie, body: { name: "sync.config.set", args: { rclone_conf: pasted, mode: pasted } } });
    const page = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instanceId}&action=sync.config.set`, { cookie })).json());

    expect(JSON.stringify(page)).not.toContain(pasted);
  });

  it("show the mode of sync.config.set in the audit log", async () => {
    const { cookie, instanceId, token, heldAll } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, heldAll);
    const pending = call(`/api/instances/${instanceId}/commands`, { cookie, body: { name: "sync.config.set", args: { rclone_conf: confWith("p"), mode: "merge" } } });
    const command = await reporter.next("command");
    reporter.send({ type: "command_result", id: command.id, ok: true, data: { remotes: [], sha256: "0".repeat(64) } });
    await pending;

    const page = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instanceId}&action=sync.config.set`, { cookie })).json());

    expect(page.entries.map((entry) => entry.args)).toEqual([{ rclone_conf: "[redacted]", mode: "merge" }]);
  });

  it("are stored sealed while pending", async () => {
    const { instanceId, token } = await freshInstance();
    const { reporter } = await connectHolding(token, instanceId, { tokens: {} });
    const sent = await commandsSoFar(reporter);

    const dump = await runInDurableObject(stubOf(instanceId), (_object: InstanceObject, state) =>
      JSON.stringify([state.storage.sql.exec("SELECT * FROM commands").toArray(), [...state.storage.kv.list()]]),
    );

    expect(sent).toHaveLength(2);
    for (const command of sent) {
      expect(dump).not.toContain(commandSchemas["secrets.set"].args.parse(command.args).value);
    }
  });

  it("are re-sent in clear to a reporter that reconnects", async () => {
    const { instanceId, token, hf } = await freshInstance();
    const first = await connectHolding(token, instanceId, { tokens: {} });
    await commandsSoFar(first.reporter);
    first.reporter.ws.close(1000, "bye");

    const { reporter } = await connectHolding(token, instanceId, undefined);
    const resent = await commandsSoFar(reporter);

    expect(resent.map((command) => command.args)).toContainEqual({ name: "hf_token", value: hf });
  });
});
