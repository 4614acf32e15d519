import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";

import { startFakeQuickService } from "@comfycarry/fake-cloudflare-api";
import type { FakeQuickService } from "@comfycarry/fake-cloudflare-api";

import { startFake } from "./spawn.js";
import type { RunningFake } from "./spawn.js";

let quick: FakeQuickService;
let dir: string;
const running: RunningFake[] = [];

beforeAll(async () => {
  quick = await startFakeQuickService();
  dir = mkdtempSync(join(tmpdir(), "fake-cloudflared-"));
});

afterAll(async () => {
  await quick.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const fake of running.splice(0)) {
    fake.child.kill("SIGKILL");
    await fake.exited;
  }
  quick.rateLimited = false;
});

function run(args: string[], env: Record<string, string> = {}): RunningFake {
  const fake = startFake(args, env);
  running.push(fake);
  return fake;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe("fake cloudflared", () => {
  test("quick tunnel logs the URL box and serves it on /quicktunnel", async () => {
    const fake = run(["tunnel", "--no-autoupdate", "--metrics", "127.0.0.1:0", "--quick-service", quick.url, "--url", "http://127.0.0.1:9"]);
    const [, url] = await fake.waitFor(/\|  (https:\/\/[a-z]+(?:-[a-z]+)+\.trycloudflare\.com) +\|/);
    const [, metrics] = await fake.waitFor(/Starting metrics server on (127\.0\.0\.1:\d+)\/metrics/);
    await fake.waitFor(/Registered tunnel connection connIndex=0 connection=\S+ event=0/);

    const hostname = await getJson(`http://${metrics}/quicktunnel`);
    expect(`https://${(hostname.body as { hostname: string }).hostname}`).toBe(url);
    const ready = await getJson(`http://${metrics}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 200, readyConnections: 1 });
    expect(fake.stderr()).toContain("no-autoupdate:true");
  });

  test("rate-limited quick tunnel exits 1 with the 1015 lines", async () => {
    quick.rateLimited = true;
    const fake = run(["tunnel", "--no-autoupdate", "--metrics", "127.0.0.1:0", "--quick-service", quick.url, "--url", "http://127.0.0.1:9"]);
    expect(await fake.exited).toBe(1);
    expect(fake.stderr()).toContain(
      `ERR Error unmarshaling QuickTunnel response: error code: 1015 error="invalid character 'e' looking for beginning of value" status_code="429 Too Many Requests"`,
    );
    expect(fake.stderr()).toMatch(/^failed to unmarshal quick Tunnel: invalid character 'e' looking for beginning of value$/m);
    expect(fake.stderr()).not.toContain("Your quick Tunnel has been created");
  });

  test("default config.yml ingress overrides --url", async () => {
    const home = join(dir, "home-default");
    mkdirSync(join(home, ".cloudflared"), { recursive: true });
    writeFileSync(join(home, ".cloudflared", "config.yml"), "tunnel: abc\ningress:\n  - hostname: app.example.com\n    service: http://127.0.0.1:8001\n  - service: http_status:404\n");
    const fake = run(["tunnel", "--metrics", "127.0.0.1:0", "--quick-service", quick.url, "--url", "http://127.0.0.1:9"], { FAKE_CLOUDFLARED_SEARCH_DIRS: join(home, ".cloudflared") });
    const [, metrics] = await fake.waitFor(/Starting metrics server on (127\.0\.0\.1:\d+)\/metrics/);

    const config = await getJson(`http://${metrics}/config`);
    expect(config.body).toMatchObject({ config: { ingress: [{ hostname: "app.example.com" }, { service: "http_status:404" }] } });
  });

  test("explicit {} config keeps --url as the only rule", async () => {
    const home = join(dir, "home-explicit");
    mkdirSync(join(home, ".cloudflared"), { recursive: true });
    writeFileSync(join(home, ".cloudflared", "config.yml"), "ingress:\n  - service: http_status:404\n");
    writeFileSync(join(dir, "empty.yml"), "{}\n");
    const fake = run(["tunnel", "--config", join(dir, "empty.yml"), "--metrics", "127.0.0.1:0", "--quick-service", quick.url, "--url", "http://127.0.0.1:9"], {
      FAKE_CLOUDFLARED_SEARCH_DIRS: join(home, ".cloudflared"),
    });
    const [, metrics] = await fake.waitFor(/Starting metrics server on (127\.0\.0\.1:\d+)\/metrics/);

    const config = await getJson(`http://${metrics}/config`);
    expect(config.body).toMatchObject({ config: { ingress: [{ service: "http://127.0.0.1:9" }] } });
  });

  test("bad YAML in the config file exits 1", async () => {
    writeFileSync(join(dir, "bad.yml"), "ingress: [unclosed\n");
    const fake = run(["tunnel", "--config", join(dir, "bad.yml"), "--url", "http://127.0.0.1:9"]);
    expect(await fake.exited).toBe(1);
    expect(fake.stderr()).toContain(`error parsing YAML in config file at ${join(dir, "bad.yml")}`);
  });

  test("invalid tunnel token exits 255", async () => {
    const fake = run(["tunnel", "--no-autoupdate", "run", "--token", "not-a-token"]);
    expect(await fake.exited).toBe(255);
    expect(fake.stderr()).toContain("Provided Tunnel token is not valid.\nSee 'cloudflared tunnel run --help'.");
  });

  test("token tunnel registers four connections", async () => {
    const token = Buffer.from(JSON.stringify({ a: "a".repeat(32), t: "11111111-2222-3333-4444-555555555555", s: "c2VjcmV0" })).toString("base64");
    writeFileSync(join(dir, "token"), `${token}\n`);
    const fake = run(["tunnel", "--no-autoupdate", "--metrics", "127.0.0.1:0", "run", "--token-file", join(dir, "token")]);
    const [, metrics] = await fake.waitFor(/Starting metrics server on (127\.0\.0\.1:\d+)\/metrics/);
    await fake.waitFor(/Registered tunnel connection connIndex=3 /);

    const ready = await getJson(`http://${metrics}/ready`);
    expect(ready.body).toMatchObject({ readyConnections: 4 });
    const hostname = await getJson(`http://${metrics}/quicktunnel`);
    expect(hostname.body).toEqual({ hostname: "" });
  });

  test("edge failure retries with growing ceilings and stays unready", async () => {
    const fake = run(["tunnel", "--metrics", "127.0.0.1:0", "--url", "http://127.0.0.1:9"], { FAKE_CLOUDFLARED_EDGE: "fail", FAKE_CLOUDFLARED_RETRY_MS: "20" });
    const [, metrics] = await fake.waitFor(/Starting metrics server on (127\.0\.0\.1:\d+)\/metrics/);
    await fake.waitFor(/Retrying connection in up to 8s/);

    expect(fake.stderr()).toContain('ERR Failed to dial a quic connection error="failed to dial to edge with quic: timeout: no recent network activity"');
    expect((await getJson(`http://${metrics}/ready`)).status).toBe(503);
  });

  test("flap mode drops and re-registers a connection", async () => {
    const fake = run(["tunnel", "--metrics", "127.0.0.1:0", "--url", "http://127.0.0.1:9"], { FAKE_CLOUDFLARED_EDGE: "flap", FAKE_CLOUDFLARED_FLAP_MS: "100", FAKE_CLOUDFLARED_RETRY_MS: "100" });
    await fake.waitFor(/Connection terminated error="timeout: no recent network activity" connIndex=0/);
    await fake.waitFor(/Registered tunnel connection[^\n]*\n(?:.*\n)*.*Registered tunnel connection/);

    expect(fake.stderr()).toContain("INF Unregistered tunnel connection connIndex=0 event=0");
    expect(fake.stderr()).toContain("INF Retrying connection in up to 2s connIndex=0");
  });

  test("--output json writes one JSON object per line", async () => {
    const fake = run(["tunnel", "--output", "json", "--metrics", "127.0.0.1:0", "--url", "http://127.0.0.1:9"]);
    await fake.waitFor(/"message":"Registered tunnel connection"/);
    const lines = fake.stderr().trim().split("\n");

    for (const line of lines) {
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ level: "info" });
  });

  test("SIGTERM shuts down gracefully with exit 0", async () => {
    const fake = run(["tunnel", "--metrics", "127.0.0.1:0", "--url", "http://127.0.0.1:9"]);
    await fake.waitFor(/Registered tunnel connection/);
    fake.child.kill("SIGTERM");

    expect(await fake.exited).toBe(0);
    expect(fake.stderr()).toContain("Initiating graceful shutdown due to signal terminated ...");
    expect(fake.stderr()).toContain("INF Metrics server stopped");
  });

  test("bare tunnel command exits 1", async () => {
    const fake = run(["tunnel"]);
    expect(await fake.exited).toBe(1);
    expect(fake.stderr()).toContain("You did not specify any valid additional argument to the cloudflared tunnel command.");
  });

  test("empty config file logs an error and runs on", async () => {
    writeFileSync(join(dir, "empty-file.yml"), "");
    const fake = run(["tunnel", "--config", join(dir, "empty-file.yml"), "--metrics", "127.0.0.1:0", "--url", "http://127.0.0.1:9"]);
    await fake.waitFor(/Registered tunnel connection/);
    expect(fake.stderr()).toContain(`ERR Configuration file ${join(dir, "empty-file.yml")} was empty`);
  });

  test("unknown flag prints usage on stdout and exits 0", async () => {
    const fake = run(["tunnel", "--bogus", "--url", "http://127.0.0.1:9"]);
    expect(await fake.exited).toBe(0);
    expect(fake.stdout()).toContain("Incorrect Usage. flag provided but not defined: -bogus");
  });

  test("busy explicit metrics port exits 1", async () => {
    const first = run(["tunnel", "--metrics", "127.0.0.1:0", "--url", "http://127.0.0.1:9"]);
    const [, address] = await first.waitFor(/Starting metrics server on (127\.0\.0\.1:\d+)\/metrics/);
    const second = run(["tunnel", "--metrics", address ?? "", "--url", "http://127.0.0.1:9"]);

    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`failed to bind to address (${address})`);
  });
});

describe("fake eyeball listener", () => {
  test("forwards with Cf-Ray and the original Host", async () => {
    const seen: Record<string, string | string[] | undefined>[] = [];
    const origin = createServer((request, response) => {
      seen.push(request.headers);
      response.end("origin says hello");
    });
    await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
    const originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    try {
      const fake = run(["tunnel", "--metrics", "127.0.0.1:0", "--quick-service", quick.url, "--url", originUrl], { FAKE_CLOUDFLARED_EYEBALL: "1" });
      const [, metrics] = await fake.waitFor(/Starting metrics server on (127\.0\.0\.1:\d+)\/metrics/);
      await fake.waitFor(/Fake eyeball listener on/);
      const { address } = (await (await fetch(`http://${metrics}/fake/eyeball`)).json()) as { address: string };
      const hostname = quick.requests.at(-1)?.hostname ?? "";

      const body = await eyeballGet(address, hostname);

      expect(body).toBe("origin says hello");
      expect(seen[0]?.["host"]).toBe(hostname);
      expect(seen[0]?.["cf-ray"]).toMatch(/^[0-9a-f]{16}-AMS$/);
    } finally {
      origin.close();
    }
  });

  test("refused origin gives 502 and the log line", async () => {
    const fake = run(["tunnel", "--metrics", "127.0.0.1:0", "--url", "http://127.0.0.1:9"], { FAKE_CLOUDFLARED_EYEBALL: "1" });
    const [, address] = await fake.waitFor(/Fake eyeball listener on (127\.0\.0\.1:\d+)/);

    const response = await fetch(`http://${address}/`);
    await fake.waitFor(/Unable to reach the origin service/);

    expect(response.status).toBe(502);
    expect(fake.stderr()).toContain("ERR  error=\"Unable to reach the origin service.");
  });
});

/** GETs `/` from the eyeball listener with `Host` set, which fetch does not allow. */
function eyeballGet(address: string, host: string): Promise<string> {
  const [hostname, port] = address.split(":");
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port: Number(port), path: "/", headers: { host } }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => resolve(text));
    });
    request.on("error", reject);
    request.end();
  });
}
