import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

import { FakeCloudflareStore, startFakeCloudflareApi } from "@comfycarry/fake-cloudflare-api";
import type { FakeCloudflareApi } from "@comfycarry/fake-cloudflare-api";
import { FAKE_CLOUDFLARED } from "@comfycarry/fake-cloudflared";
import { apiTokenCreatedSchema, auditPageSchema, enrollmentKeyCreatedSchema, modelsCommands, syncCommands } from "@comfycarry/shared";
import type { DownloadJob } from "@comfycarry/shared";
import type { CommandName } from "@comfycarry/shared";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { REPORTER_FATAL_EXIT_CODE, Stack, findFreePort, paths, startModelHosts, waitFor } from "../src/index.js";
import type { ModelHosts } from "../src/index.js";

// Every secret travels its real path through the running stack: wrangler dev, PM2, two real
// reporters, rclone against a password-protected WebDAV server, downloads from the CivitAI and
// Hugging Face fakes, and the fake cloudflared in API mode against the fake Cloudflare API.
// Then every file the stack wrote is searched for each secret, raw, base64 (each byte
// alignment) and URL-encoded.
// Files whose job is to hold a secret (rclone.conf, the token files, the test's own state and
// wrangler's env file) are the only ones left out.

let stack: Stack;
let stackRunning = false;
let stateDir: string;
let dav: { url: string; dataDir: string; process: ResultPromise } | null = null;
let hosts: ModelHosts | null = null;
let cloudflareApi: FakeCloudflareApi | null = null;
let cloudflareRecorder: HeaderRecorder | null = null;
const cloudflareAccount = new FakeCloudflareStore();

/** Response bodies and browser frames the owner's side received, searched like the files. */
const recorded: string[] = [];

/** Every secret the run uses; the search has one test per label. */
const LABELS = [
  "owner password",
  "session cookie",
  "API token",
  "enrollment key",
  "instance token",
  "instance token of container B",
  "CivitAI token",
  "Hugging Face token",
  "Cloudflare API token",
  "tunnel token",
  "WebDAV password",
  "WebDAV password as rclone obscures it",
  "Drive access token",
  "Drive refresh token",
  "refreshed Drive access token",
  "refreshed Drive refresh token",
] as const;
type Label = (typeof LABELS)[number];

const secrets = new Map<Label, string>();
const remember = (label: Label, value: string): string => {
  secrets.set(label, value);
  return value;
};

const DAV_USER = "carry";
const davPassword = remember("WebDAV password", `dav-${randomBytes(12).toString("base64url")}`);
const civitaiToken = remember("CivitAI token", `civitai${randomBytes(16).toString("hex")}`);
const hfToken = remember("Hugging Face token", `hf_${randomBytes(18).toString("base64url")}`);
// The fake Cloudflare API accepts only letters, digits, `_` and `-` in a token.
const cloudflareToken = remember("Cloudflare API token", `cf${randomBytes(30).toString("base64url")}`);
const driveAccess = remember("Drive access token", `ya29.${randomBytes(24).toString("base64url")}`);
const driveRefresh = remember("Drive refresh token", `1//${randomBytes(24).toString("base64url")}`);
const refreshedAccess = remember("refreshed Drive access token", `ya29.${randomBytes(24).toString("base64url")}`);
const refreshedRefresh = remember("refreshed Drive refresh token", `1//${randomBytes(24).toString("base64url")}`);

function driveSection(access: string, refresh: string): string {
  const token = JSON.stringify({ access_token: access, token_type: "Bearer", refresh_token: refresh, expiry: "2030-01-01T00:00:00Z" });
  return `[gdrive]\ntype = drive\nscope = drive\ntoken = ${token}\n`;
}

/** Starts `rclone serve webdav` with a password, passed through the environment so it is in no command line. */
async function startWebdav(dir: string): Promise<{ url: string; dataDir: string; process: ResultPromise }> {
  const dataDir = join(dir, "dav-data");
  await mkdir(dataDir, { recursive: true });
  const port = await findFreePort();
  const child = execa("rclone", ["serve", "webdav", dataDir, "--addr", `127.0.0.1:${port}`], {
    env: { RCLONE_USER: DAV_USER, RCLONE_PASS: davPassword, RCLONE_CONFIG: join(dir, "dav-server.conf") },
    reject: false,
    stdin: "ignore",
    stdout: { file: join(dir, "dav-server.log") },
    stderr: { file: join(dir, "dav-server.log") },
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitFor("the WebDAV server", async () => (await fetch(url)).status === 401, 20_000);
  return { url, dataDir, process: child };
}

interface HeaderRecorder {
  /** The same base path as the target, on the recorder's port. */
  url: string;
  /** Each request's Authorization header, "" when it had none. */
  authorizations: string[];
  close(): Promise<void>;
}

/** Forwards every request to `target` and keeps its Authorization header, which the fake Cloudflare API does not record. */
async function startHeaderRecorder(target: string): Promise<HeaderRecorder> {
  const targetUrl = new URL(target);
  const authorizations: string[] = [];
  const server = createServer((request, response) => {
    authorizations.push(request.headers.authorization ?? "");
    const upstream = httpRequest({ host: targetUrl.hostname, port: targetUrl.port, method: request.method, path: request.url, headers: request.headers }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    });
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${targetUrl.pathname}`,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** rclone's reversible obscuring of a password, as rclone.conf stores it; read from stdin so it is in no command line. */
async function obscure(password: string): Promise<string> {
  const { stdout } = await execa("rclone", ["obscure", "-"], { input: password });
  return stdout.trim();
}

/** Calls the edge as the owner's browser does and records the response body. */
async function api(path: string, init: { method?: string; body?: unknown; bearer?: string; record?: boolean } = {}): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { origin: stack.edge.url };
  if (init.bearer === undefined) {
    headers.cookie = stack.client.sessionCookie ?? "";
  } else {
    headers.authorization = `Bearer ${init.bearer}`;
  }
  if (init.body !== undefined) {
    headers["content-type"] = "application/json";
  }
  const response = await fetch(`${stack.edge.url}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  // A token or key is shown once, in the response that creates it, which is its real path.
  if (init.record !== false) {
    recorded.push(text);
  }
  return { status: response.status, text };
}

async function command(instanceId: string, name: CommandName, args: unknown, deadlineMs = 60_000): Promise<unknown> {
  const response = await stack.client.command(instanceId, name, args, deadlineMs);
  recorded.push(JSON.stringify(response));
  if (!response.ok) {
    throw new Error(`${name} failed: ${response.error.code}: ${response.error.message}`);
  }
  return response.data;
}

async function fileText(path: string): Promise<string | null> {
  return readFile(path, "utf8").catch(() => null);
}

/** Starts a second container with the same on-start line a template would use: EDGE_URL and ENROLL_KEY. */
async function startSecondContainer(enrollKey: string): Promise<string> {
  const dir = join(stateDir, "container-b");
  await mkdir(dir, { recursive: true });
  await stack.pm2.start({
    name: "container-b",
    script: paths.reporterEntry,
    args: [],
    cwd: dir,
    env: {
      PATH: `${paths.fakeNvidiaSmiBin}:${process.env.PATH ?? ""}`,
      FAKE_NVIDIA_SMI_PRESET: join(paths.presetsDir, "h100.json"),
      EDGE_URL: stack.edge.url,
      ENROLL_KEY: enrollKey,
      INSTANCE_NAME: "leak test b",
      WORKSPACE_DIR: dir,
      COMFYCARRY_STATE_DIR: join(dir, "state"),
      COMFYUI_URL: `http://127.0.0.1:${await findFreePort()}`,
      COMFYUI_SERVICE: "comfy-b",
      COMFYCARRY_COMFYUI_PROXY_PORT: String(await findFreePort()),
      PM2_HOME: stack.pm2.pm2Home,
      LOG_LEVEL: "debug",
    },
    stopExitCodes: [REPORTER_FATAL_EXIT_CODE],
  });
  return join(dir, "state");
}

/** Returns the strings that give `secret` away: itself, URL-encoded, and its base64 at each byte alignment. */
function encodings(secret: string): Array<{ encoding: string; text: string }> {
  const found = new Map<string, string>([
    [secret, "raw"],
    [encodeURIComponent(secret), "URL-encoded"],
  ]);
  const bytes = Buffer.from(secret, "utf8");
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]);
    for (const encoding of ["base64", "base64url"] as const) {
      // Keep only the characters that depend on the secret's bytes alone.
      const text = padded.toString(encoding).slice(Math.ceil((shift * 4) / 3), Math.floor(((shift + bytes.length) * 4) / 3));
      if (!found.has(text)) {
        found.set(text, `${encoding}, offset ${shift}`);
      }
    }
  }
  return [...found].map(([text, encoding]) => ({ encoding, text }));
}

/** Lists every regular file under `dir` except those `keep` accepts. */
async function filesUnder(dir: string, keep: (path: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...(await filesUnder(path, keep)));
    } else if (entry.isFile() && !keep(path) && (await lstat(path)).isFile()) {
      out.push(path);
    }
  }
  return out;
}

let reporterAState: string;
let containerBState: string;
let davObscured: string;
let rewrittenConf: string;
let containerBConf: string | null = null;
let failedWithoutToken: DownloadJob | null = null;
let downloaded: DownloadJob | null = null;
let storeSawAuthorization = true;
let hfDownloaded: DownloadJob | null = null;
let hubSawHfToken = false;
let hfCdnSawAuthorization = true;

beforeAll(async () => {
  const bundle = await readFile(paths.reporterEntry, "utf8").catch(() => "");
  if (!bundle.includes("secrets.set")) {
    throw new Error(`${paths.reporterEntry} cannot take secrets from the edge; run \`npm run build -w reporter\` first`);
  }

  // The Worker's own log lines (level `log`) go to wrangler.log only at this level.
  process.env.WRANGLER_LOG_LEVEL = "log";
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-leak-"));
  dav = await startWebdav(stateDir);
  davObscured = remember("WebDAV password as rclone obscures it", await obscure(davPassword));
  hosts = await startModelHosts({ loraBytes: 4 * 1024 * 1024, bytesPerSecond: 0, civitaiTokens: [civitaiToken], loraRequiresLogin: true, hfGatedTokens: [hfToken] });
  cloudflareAccount.addToken(cloudflareToken, ["tunnel:edit", "dns:edit"]);
  cloudflareAccount.addZone("example.com");
  cloudflareApi = await startFakeCloudflareApi({}, cloudflareAccount);
  cloudflareRecorder = await startHeaderRecorder(cloudflareApi.url);
  const tunnelEnv = {
    COMFYCARRY_CLOUDFLARE_API_URL: cloudflareRecorder.url,
    COMFYCARRY_CLOUDFLARED_BIN: FAKE_CLOUDFLARED,
    // cloudflared runs under PM2 with the reporter's environment, so these reach the fake.
    FAKE_CLOUDFLARED_API_URL: cloudflareApi.url,
    FAKE_CLOUDFLARED_SEARCH_DIRS: "",
    FAKE_CLOUDFLARED_REGISTER_DELAY_MS: "100",
  };
  stack = await Stack.start({ stateDir, instanceName: "leak test a", reporterEnv: { LOG_LEVEL: "debug", ...hosts.env, ...tunnelEnv } });
  stackRunning = true;
  reporterAState = join(stateDir, "reporter-state");
  remember("owner password", stack.password);
  remember("instance token", (await readFile(stack.tokenFile, "utf8")).trim());
  remember("session cookie", (stack.client.sessionCookie ?? "").replace(/^cc_session=/, ""));

  const browser = stack.client.openBrowserSocket(stack.instanceId);
  browser.on("message", (data) => recorded.push(data.toString()));

  const apiToken = apiTokenCreatedSchema.parse(JSON.parse((await api("/api/tokens", { body: { name: "leak test", scope: "admin" }, record: false })).text)).token;
  remember("API token", apiToken);
  const enrollKey = enrollmentKeyCreatedSchema.parse(JSON.parse((await api("/api/enrollment-keys", { body: { name: "leak test" }, record: false })).text)).key;
  remember("enrollment key", enrollKey);

  // Without a token the CivitAI download meets a 401 and fails with a reason.
  failedWithoutToken = await downloadLora("failed");

  // The owner stores the secrets: by session and, for one, by API token.
  const conf = `[dav]\ntype = webdav\nurl = ${dav.url}\nvendor = other\nuser = ${DAV_USER}\npass = ${davObscured}\n\n${driveSection(driveAccess, driveRefresh)}`;
  expect((await api("/api/secrets/civitai_token", { method: "PUT", body: { value: civitaiToken } })).status).toBe(204);
  expect((await api("/api/secrets/hf_token", { method: "PUT", body: { value: hfToken }, bearer: apiToken })).status).toBe(204);
  expect((await api("/api/secrets/rclone_conf", { method: "PUT", body: { value: conf } })).status).toBe(204);
  expect((await api("/api/secrets/cloudflare_token", { method: "PUT", body: { value: cloudflareToken } })).status).toBe(204);
  await api("/api/secrets");

  // The edge hands them to the connected reporter.
  await waitFor("the tokens on instance A", async () => (await fileText(join(reporterAState, "secrets", "hf_token"))) === hfToken, 60_000);
  await waitFor("rclone.conf on instance A", async () => (await fileText(join(reporterAState, "rclone.conf")))?.includes("[dav]") === true, 60_000);

  // With the token the retry passes CivitAI and follows its 307 to the object store on another
  // host, which rejects any request that still carries an Authorization header.
  await waitFor("the CivitAI token on instance A", async () => (await fileText(join(reporterAState, "secrets", "civitai_token"))) === civitaiToken, 60_000);
  const retried = modelsCommands["downloads.retry"].result.parse(await command(stack.instanceId, "downloads.retry", { id: failedWithoutToken.id }));
  downloaded = await waitForJob(retried.id, "completed");
  storeSawAuthorization = hosts.civitai.store.requests.some((request) => request.headers.authorization !== undefined);

  // The gated Hugging Face file downloads only with the token the edge handed over, because
  // the reporter's environment contains none.
  const gated = modelsCommands["downloads.add"].result.parse(await command(stack.instanceId, "downloads.add", { url: hosts.hfGatedLink ?? "", folder: "vae" }));
  if (gated.outcome !== "added") {
    throw new Error(`downloads.add did not queue the gated file: ${JSON.stringify(gated)}`);
  }
  hfDownloaded = await waitForJob(gated.job.id, "completed");
  hubSawHfToken = hosts.hf.requests.some((request) => request.headers.authorization === `Bearer ${hfToken}`);
  hfCdnSawAuthorization = hosts.hf.cdn.requests.some((request) => request.headers.authorization !== undefined);

  // API mode with no pasted token creates the tunnel and DNS record with the edge's stored
  // Cloudflare token, then cloudflared connects with the tunnel token that provisioning saved.
  await waitFor("the Cloudflare token on instance A", async () => (await fileText(join(reporterAState, "secrets", "cloudflare_token"))) === cloudflareToken, 60_000);
  await command(stack.instanceId, "tunnel.configure", { mode: "api", domain: "example.com", subdomain: "comfy" }, 120_000);
  await command(stack.instanceId, "tunnel.start", {}, 120_000);
  await waitFor("the tunnel connected", async () => cloudflareAccount.liveTunnels()[0]?.connected === true, 60_000);
  const tunnel = cloudflareAccount.liveTunnels()[0];
  remember("tunnel token", tunnel === undefined ? "" : cloudflareAccount.tunnelToken(tunnel));

  // A real sync over WebDAV uses the password.
  const created = syncCommands["sync.rule.create"].result.parse(await command(stack.instanceId, "sync.rule.create", { preset: "outputs", options: { remote: "dav" } }));
  const outputDir = join(stack.workspaceDir, "ComfyUI", "output");
  await mkdir(outputDir, { recursive: true });
  await writeFile(join(outputDir, "leak-test.txt"), "synced through WebDAV\n");
  await command(stack.instanceId, "sync.rule.run", { id: created.rule.id, wait: true }, 120_000);
  await waitFor("the output on the WebDAV server", async () => (await fileText(join(dav?.dataDir ?? "", "comfycarry", "output", "leak-test.txt"))) !== null, 60_000);

  // rclone refreshes the Drive token and rewrites rclone.conf; the next rclone run reports it.
  const current = (await fileText(join(reporterAState, "rclone.conf"))) ?? "";
  rewrittenConf = current.replace(driveSection(driveAccess, driveRefresh), driveSection(refreshedAccess, refreshedRefresh));
  await writeFile(join(reporterAState, "rclone.conf"), rewrittenConf);
  await command(stack.instanceId, "sync.remote.test", { remote: "dav" });
  await waitFor(
    "the rewritten rclone.conf at the edge",
    async () => auditPageSchema.parse(JSON.parse((await api(`/api/audit?instance_id=${stack.instanceId}&action=secret.update`)).text)).entries.length > 0,
    60_000,
  );

  // A second container enrolls and receives the fresh copy and the tokens.
  containerBState = await startSecondContainer(enrollKey);
  await waitFor("rclone.conf on container B", async () => (await fileText(join(containerBState, "rclone.conf"))) === rewrittenConf, 90_000);
  await waitFor("the tokens on container B", async () => (await fileText(join(containerBState, "secrets", "civitai_token"))) === civitaiToken, 30_000);
  containerBConf = await fileText(join(containerBState, "rclone.conf"));
  remember("instance token of container B", ((await fileText(join(containerBState, "instance-token"))) ?? "").trim());

  await api("/api/audit?limit=200");
  await api("/api/instances");
  await api(`/api/instances/${stack.instanceId}/overview`);
  browser.close();

  // Stopping makes wrangler and SQLite write out what they buffer, so the search covers it.
  await stack.stop();
  stackRunning = false;
  dav.process.kill("SIGTERM");
  await dav.process;
  dav = null;
}, 420_000);

/** Queues the test LoRA from the CivitAI fake and waits until its job is `status`. */
async function downloadLora(status: DownloadJob["status"]): Promise<DownloadJob> {
  const link = hosts?.civitaiLink ?? "";
  const added = modelsCommands["downloads.add"].result.parse(await command(stack.instanceId, "downloads.add", { url: link }));
  if (added.outcome !== "added") {
    throw new Error(`downloads.add did not queue the LoRA: ${JSON.stringify(added)}`);
  }
  return waitForJob(added.job.id, status);
}

async function waitForJob(id: string, status: DownloadJob["status"]): Promise<DownloadJob> {
  let found: DownloadJob | null = null;
  await waitFor(
    `download ${id} ${status}`,
    async () => {
      const listed = modelsCommands["downloads.list"].result.parse(await command(stack.instanceId, "downloads.list", {}));
      found = listed.jobs.find((job) => job.id === id && job.status === status) ?? null;
      return found !== null;
    },
    90_000,
  );
  if (found === null) {
    throw new Error(`download ${id} never reached ${status}`);
  }
  return found;
}

afterAll(async () => {
  await hosts?.close();
  await cloudflareRecorder?.close();
  await cloudflareApi?.close();
  if (stackRunning) {
    await stack.stop();
  }
  dav?.process.kill("SIGTERM");
  await dav?.process;
  if (stateDir !== undefined && process.env.KEEP_LEAK_STATE !== "1") {
    await rm(stateDir, { recursive: true, force: true });
  }
});

describe("secrets on their real paths", () => {
  it("reach instance A's token files with mode 0600", async () => {
    expect((await stat(join(reporterAState, "secrets", "civitai_token"))).mode & 0o777).toBe(0o600);
  });

  it("give a new container the rewritten rclone.conf", () => {
    expect(containerBConf).toBe(rewrittenConf);
  });

  it("fail a CivitAI download without the token", () => {
    expect(failedWithoutToken?.error?.code).toBe("token_required");
  });

  it("complete the CivitAI download with the token", () => {
    expect(downloaded?.status).toBe("completed");
  });

  it("never send the CivitAI token to the object store", () => {
    expect(storeSawAuthorization).toBe(false);
  });

  it("complete the gated Hugging Face download", () => {
    expect(hfDownloaded?.status).toBe("completed");
  });

  it("send the Hugging Face token to the Hub", () => {
    expect(hubSawHfToken).toBe(true);
  });

  it("never send the Hugging Face token to the CDN", () => {
    expect(hfCdnSawAuthorization).toBe(false);
  });

  it("send the Cloudflare token as a Bearer header", () => {
    expect(cloudflareRecorder?.authorizations).toContain(`Bearer ${cloudflareToken}`);
  });

  it("send the Cloudflare API no other credential", () => {
    expect(new Set(cloudflareRecorder?.authorizations)).toEqual(new Set([`Bearer ${cloudflareToken}`]));
  });

  it("point a DNS record at the provisioned tunnel", () => {
    expect(cloudflareAccount.records.map((record) => record.name)).toEqual(["comfy.example.com"]);
  });

  it("keep container B's rclone.conf at mode 0600", async () => {
    expect((await stat(join(containerBState, "rclone.conf"))).mode & 0o777).toBe(0o600);
  });
});

describe("the search", () => {
  it("sees the Worker's log lines", async () => {
    expect(await readFile(join(stateDir, "wrangler.log"), "utf8")).toContain("handed a stored secret to the reporter");
  });

  it("sees the reporters' debug lines", async () => {
    expect(await readFile(join(stateDir, "pm2", "logs", "container-b-out.log"), "utf8")).toContain('"level":20');
  });

  it.each([0, 1, 2])("finds a secret base64-encoded at offset %i", (offset) => {
    const secret = secrets.get("Hugging Face token") ?? "";
    const blob = Buffer.from(`${"xyz".slice(0, offset)}${secret}tail`).toString("base64");

    expect(encodings(secret).some(({ text }) => blob.includes(text))).toBe(true);
  });
});

describe("after the run, no file and no response", () => {
  /** Files that exist to hold a secret; everything else the stack wrote is searched. */
  const holders = (path: string): boolean => {
    const name = relative(stateDir, path);
    return (
      ["state.json", "edge.env", "instance-token"].includes(name) ||
      /(^|\/)state\/instance-token$|(^|\/)reporter-state\/instance-token$/.test(name) ||
      /(^|\/)(reporter-)?state\/rclone\.conf$/.test(name) ||
      /(^|\/)(reporter-)?state\/secrets\/(civitai_token|hf_token|cloudflare_token)$/.test(name) ||
      // The tunnel's own copies: a pasted API token, and the tunnel token cloudflared reads through --token-file.
      /^reporter-state\/tunnel\/(api-token|tunnel-token)$/.test(name)
    );
  };

  it.each(LABELS)("contains the %s", async (label) => {
    const secret = secrets.get(label) ?? "";
    const files = await filesUnder(stateDir, holders);
    const hits: string[] = [];
    for (const file of files) {
      const content = await readFile(file);
      for (const { encoding, text } of encodings(secret)) {
        if (content.includes(text)) {
          hits.push(`${relative(stateDir, file)} (${encoding})`);
        }
      }
    }
    for (const [index, body] of recorded.entries()) {
      for (const { encoding, text } of encodings(secret)) {
        if (body.includes(text)) {
          hits.push(`recorded response #${index} (${encoding}): ${body.slice(0, 200)}`);
        }
      }
    }

    expect(secret.length).toBeGreaterThan(8);
    expect(hits).toEqual([]);
  });
});
