#!/usr/bin/env bash
# ComfyCarry on-start script for vast.ai / RunPod containers. It installs what is missing
# (Node 22, PM2, rclone, aria2, git), fetches the reporter bundle from the edge so reporter
# and edge versions match, hands the container's tokens to the edge, and starts the reporter
# under PM2. Safe to run on every start: a second run starts nothing twice and changes no
# file except its log.
#
# Inputs (environment):
#   EDGE_URL                   the dashboard address, e.g. https://comfy.example.com
#   ENROLL_KEY                 a reusable enrollment key from the dashboard's Settings page
#   INSTANCE_NAME              optional; reusing a name continues that instance
#   COMFYCARRY_INSTANCE_ID and COMFYCARRY_INSTANCE_TOKEN
#                              instead of ENROLL_KEY: one instance's id and reporter token
#   WORKSPACE_DIR              default /workspace
#   COMFYUI_DIR                an existing ComfyUI install to adopt; default $WORKSPACE_DIR/ComfyUI
#   CIVITAI_TOKEN, HF_TOKEN, RCLONE_CONF_BASE64, CF_API_TOKEN
#                              handed to the edge's secret store with ENROLL_KEY when it has
#                              none of that name yet; never given to PM2
#   HF_ENDPOINT, CF_DOMAIN, CF_SUBDOMAIN
#                              handed to the edge as settings with ENROLL_KEY
#   DASHBOARD_PASSWORD         ignored: the owner password lives at the edge
#
# Download locations and versions (each overridable, e.g. with file:// URLs in tests):
#   COMFYCARRY_TOOLS_DIR       where missing tools are installed; default /opt/comfycarry
#   NODE_VERSION, NODE_DIST_URL        default 22.13.1 from nodejs.org
#   PM2_PACKAGE                an npm package spec for PM2; default pm2@7.0.4
#   RCLONE_VERSION, RCLONE_URL         default 1.68.2 from downloads.rclone.org
#   RCLONE_MIN_VERSION         an rclone on PATH at least this old is kept; default 1.60.0
#   COMFYCARRY_REPORTER_MODULES a node_modules folder to link the reporter's native packages
#                              (sharp) from, instead of npm install
set -euo pipefail

WORKSPACE_DIR="${WORKSPACE_DIR:-/workspace}"
STATE_DIR="$WORKSPACE_DIR/.comfycarry"
BOOT_DIR="$STATE_DIR/bootstrap"
LOG_FILE="$WORKSPACE_DIR/comfycarry-bootstrap.log"
TOOLS_DIR="${COMFYCARRY_TOOLS_DIR:-/opt/comfycarry}"
NODE_VERSION="${NODE_VERSION:-22.13.1}"
PM2_PACKAGE="${PM2_PACKAGE:-pm2@7.0.4}"
RCLONE_VERSION="${RCLONE_VERSION:-1.68.2}"
RCLONE_MIN_VERSION="${RCLONE_MIN_VERSION:-1.60.0}"
PM2_NAME="comfycarry-reporter"

case "$(uname -m)" in
  x86_64) NODE_ARCH=x64 RCLONE_ARCH=amd64 ;;
  aarch64 | arm64) NODE_ARCH=arm64 RCLONE_ARCH=arm64 ;;
  *) NODE_ARCH="$(uname -m)" RCLONE_ARCH="$(uname -m)" ;;
esac
NODE_DIST_URL="${NODE_DIST_URL:-https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-$NODE_ARCH.tar.xz}"
RCLONE_URL="${RCLONE_URL:-https://downloads.rclone.org/v$RCLONE_VERSION/rclone-v$RCLONE_VERSION-linux-$RCLONE_ARCH.zip}"

mkdir -p "$STATE_DIR"
[[ "$(stat -c %a "$STATE_DIR")" == 700 ]] || chmod 700 "$STATE_DIR"

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG_FILE" >&2; }
fail() { log "error: $*"; exit 1; }

# Writes stdin to $1 only when the content differs, so a repeated run leaves the file untouched.
write_if_changed() {
  local target="$1" mode="$2" temp
  temp="$(mktemp "$target.XXXXXX")"
  cat > "$temp"
  if [[ -f "$target" ]] && cmp -s "$temp" "$target"; then
    rm -f "$temp"
    return 0
  fi
  chmod "$mode" "$temp"
  mv "$temp" "$target"
  log "wrote $target"
}

# Returns success when version $1 is at least $2 (dotted numbers, a leading v ignored).
version_at_least() {
  local have="${1#v}" need="${2#v}"
  have="${have%%-*}"
  [[ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" == "$need" ]]
}

download() {
  local url="$1" target="$2"
  command -v curl >/dev/null 2>&1 || fail "curl is missing; install it (apt-get install -y curl) and run this again"
  curl -fsSL --retry 3 -o "$target" "$url" || fail "download of $url failed; check the address or set the matching *_URL variable"
}

[[ -n "${EDGE_URL:-}" ]] || fail "EDGE_URL is not set; set it to your dashboard address, e.g. https://comfy.example.com"
if [[ -z "${ENROLL_KEY:-}" && -z "${COMFYCARRY_INSTANCE_ID:-}" ]]; then
  fail "neither ENROLL_KEY nor COMFYCARRY_INSTANCE_ID is set; create an enrollment key on the dashboard's Settings page"
fi
if [[ -n "${DASHBOARD_PASSWORD:-}" ]]; then
  log "DASHBOARD_PASSWORD is ignored here: the owner password lives at the edge as a Worker secret"
fi
log "bootstrap started (workspace $WORKSPACE_DIR, tools $TOOLS_DIR)"

# Node.js 22: the one on PATH when new enough, else a copy under the tools dir.
node_ok() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=13)?0:1)' 2>/dev/null; }
if [[ -x "$TOOLS_DIR/node/bin/node" ]] && node_ok "$TOOLS_DIR/node/bin/node"; then
  export PATH="$TOOLS_DIR/node/bin:$PATH"
elif ! { command -v node >/dev/null 2>&1 && node_ok node; }; then
  log "installing Node.js $NODE_VERSION from $NODE_DIST_URL"
  mkdir -p "$TOOLS_DIR"
  rm -rf "$TOOLS_DIR/node.partial"
  mkdir -p "$TOOLS_DIR/node.partial"
  download "$NODE_DIST_URL" "$TOOLS_DIR/node.download"
  tar -xf "$TOOLS_DIR/node.download" -C "$TOOLS_DIR/node.partial" --strip-components=1 || fail "could not unpack $NODE_DIST_URL"
  rm -f "$TOOLS_DIR/node.download"
  rm -rf "$TOOLS_DIR/node"
  mv "$TOOLS_DIR/node.partial" "$TOOLS_DIR/node"
  node_ok "$TOOLS_DIR/node/bin/node" || fail "the Node.js from $NODE_DIST_URL is older than 22.13; set NODE_VERSION or NODE_DIST_URL"
  export PATH="$TOOLS_DIR/node/bin:$PATH"
fi

# PM2: the one on PATH, else npm's global prefix under the tools dir.
if [[ -x "$TOOLS_DIR/npm/bin/pm2" ]]; then
  export PATH="$TOOLS_DIR/npm/bin:$PATH"
elif ! command -v pm2 >/dev/null 2>&1; then
  log "installing $PM2_PACKAGE"
  npm install -g --prefix "$TOOLS_DIR/npm" "$PM2_PACKAGE" >>"$LOG_FILE" 2>&1 || fail "npm install of $PM2_PACKAGE failed; see $LOG_FILE"
  export PATH="$TOOLS_DIR/npm/bin:$PATH"
fi

# git and aria2 come from the system's package manager.
missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v aria2c >/dev/null 2>&1 || missing+=(aria2)
if ((${#missing[@]} > 0)); then
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and apt-get is not available; install them and run this again"
  log "installing ${missing[*]} with apt-get"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >>"$LOG_FILE" 2>&1 \
    || fail "apt-get install ${missing[*]} failed; see $LOG_FILE"
fi

# rclone: one on PATH of at least RCLONE_MIN_VERSION, else the pinned release under the tools dir.
if [[ -x "$TOOLS_DIR/bin/rclone" ]]; then
  export PATH="$TOOLS_DIR/bin:$PATH"
else
  system_rclone="$(rclone version 2>/dev/null | head -n1 | awk '{print $2}' || true)"
  if [[ -z "$system_rclone" ]] || ! version_at_least "$system_rclone" "$RCLONE_MIN_VERSION"; then
    log "installing rclone $RCLONE_VERSION from $RCLONE_URL (found ${system_rclone:-none}, need at least $RCLONE_MIN_VERSION)"
    command -v unzip >/dev/null 2>&1 || fail "unzip is missing; install it (apt-get install -y unzip) and run this again"
    unpack="$(mktemp -d)"
    download "$RCLONE_URL" "$unpack/rclone.zip"
    unzip -q "$unpack/rclone.zip" -d "$unpack" || fail "could not unpack $RCLONE_URL"
    found="$(find "$unpack" -type f -name rclone | head -n1)"
    [[ -n "$found" ]] || fail "$RCLONE_URL holds no rclone binary"
    mkdir -p "$TOOLS_DIR/bin"
    install -m 755 "$found" "$TOOLS_DIR/bin/rclone.partial"
    mv "$TOOLS_DIR/bin/rclone.partial" "$TOOLS_DIR/bin/rclone"
    rm -rf "$unpack"
    export PATH="$TOOLS_DIR/bin:$PATH"
  fi
fi

# Tokens and settings from the on-start line go to the edge, which stores a token only when it
# has none yet (the owner replaces one under Settings). Node reads them from the environment,
# so no value appears on a command line.
if [[ -n "${ENROLL_KEY:-}" ]]; then
  if ! handoff="$(node --input-type=module -e '
    const env = process.env;
    const secrets = {};
    const settings = {};
    if (env.CIVITAI_TOKEN) secrets.civitai_token = env.CIVITAI_TOKEN;
    if (env.HF_TOKEN) secrets.hf_token = env.HF_TOKEN;
    if (env.CF_API_TOKEN) secrets.cloudflare_token = env.CF_API_TOKEN;
    if (env.RCLONE_CONF_BASE64) secrets.rclone_conf = Buffer.from(env.RCLONE_CONF_BASE64, "base64").toString("utf8");
    if (env.HF_ENDPOINT) settings.hf_endpoint = env.HF_ENDPOINT;
    if (env.CF_DOMAIN) settings.cf_domain = env.CF_DOMAIN;
    if (env.CF_SUBDOMAIN) settings.cf_subdomain = env.CF_SUBDOMAIN;
    if (Object.keys(secrets).length + Object.keys(settings).length === 0) { console.log("nothing to hand over"); process.exit(0); }
    const url = env.EDGE_URL.replace(/\/+$/, "").replace(/^ws/, "http") + "/api/bootstrap/handoff";
    const response = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${env.ENROLL_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ secrets, settings }),
      signal: AbortSignal.timeout(30000),
    });
    const text = await response.text();
    if (!response.ok) { console.log(`HTTP ${response.status}: ${text.slice(0, 300)}`); process.exit(1); }
    const result = JSON.parse(text);
    const kept = result.secrets_kept.length === 0 ? "" : `; kept the values the edge already stores for ${result.secrets_kept.join(", ")} (replace them under Settings → Secrets)`;
    console.log(`secrets stored: ${result.secrets_changed.join(", ") || "none"}; unchanged: ${result.secrets_unchanged.join(", ") || "none"}${kept}; settings changed: ${result.settings_changed}`);
  ' 2>&1)"; then
    fail "handing the tokens to the edge failed: $handoff"
  fi
  log "edge handoff: $handoff"
elif [[ -n "${CIVITAI_TOKEN:-}${HF_TOKEN:-}${RCLONE_CONF_BASE64:-}${CF_API_TOKEN:-}" ]]; then
  log "tokens in the environment are not handed to the edge without ENROLL_KEY; set them under Settings → Secrets"
fi

# The reporter bundle and its launcher. PM2 starts the launcher, which refreshes the bundle from
# the edge before each start, so a restart after an edge upgrade runs the matching reporter.
mkdir -p "$BOOT_DIR/node_modules"

# The bundle loads PM2's API with a bare import, which Node resolves from a node_modules folder
# beside it and never from npm's global prefix, so a link points there at the PM2 in use.
pm2_package="$(dirname "$(dirname "$(readlink -f "$(command -v pm2)")")")"
[[ -f "$pm2_package/package.json" ]] || fail "could not find the PM2 package behind $(command -v pm2); reinstall PM2 with npm install -g pm2"
if [[ "$(readlink "$BOOT_DIR/node_modules/pm2" 2>/dev/null || true)" != "$pm2_package" ]]; then
  ln -sfn "$pm2_package" "$BOOT_DIR/node_modules/pm2"
  log "linked $BOOT_DIR/node_modules/pm2 to $pm2_package"
fi

write_if_changed "$BOOT_DIR/update-reporter.mjs" 644 <<'JS'
// Fetches the reporter bundle the edge offers when it differs from the one here, and installs
// the runtime packages the manifest lists (native ones the bundle cannot contain).
// Usage: node update-reporter.mjs EDGE_URL DIR. Exit status 0 when DIR/reporter.mjs is current.
// COMFYCARRY_REPORTER_MODULES, when set, is a node_modules folder to link those packages from.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

const [edgeUrl, dir] = process.argv.slice(2);
const base = edgeUrl.replace(/\/+$/, "").replace(/^ws/, "http");
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

const manifestResponse = await fetch(`${base}/reporter/manifest.json`, { signal: AbortSignal.timeout(30000) });
if (!manifestResponse.ok) {
  console.error(`the edge has no reporter manifest at ${base}/reporter/manifest.json (HTTP ${manifestResponse.status})`);
  process.exit(1);
}
const manifest = await manifestResponse.json();
if (!/^[0-9a-f]{64}$/.test(String(manifest.sha256))) {
  console.error("the edge's reporter manifest has no valid sha256");
  process.exit(1);
}

for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
  if (!/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/.test(name) || !/^[\w.^~<>=| -]{1,64}$/.test(String(range))) {
    console.error(`the manifest names an invalid package: ${JSON.stringify(name).slice(0, 80)}`);
    process.exit(1);
  }
  const target = join(dir, "node_modules", name);
  if (existsSync(join(target, "package.json"))) {
    continue;
  }
  const from = process.env.COMFYCARRY_REPORTER_MODULES;
  if (from) {
    await mkdir(dirname(target), { recursive: true });
    await symlink(join(from, name), target);
    console.log(`linked ${name} from ${from}`);
    continue;
  }
  const npm = spawnSync("npm", ["install", "--prefix", dir, "--no-save", "--no-package-lock", "--omit=dev", "--no-audit", "--no-fund", `${name}@${range}`], { stdio: "inherit" });
  if (npm.status !== 0) {
    console.error(`npm install ${name}@${range} failed with exit status ${npm.status}`);
    process.exit(1);
  }
}

const target = join(dir, "reporter.mjs");
const current = await readFile(target).then(sha256, () => null);
if (current === manifest.sha256) {
  console.log(`reporter ${manifest.version} is current`);
  process.exit(0);
}

const bundleResponse = await fetch(`${base}/reporter/reporter.mjs`, { signal: AbortSignal.timeout(120000) });
const bundle = Buffer.from(await bundleResponse.arrayBuffer());
if (!bundleResponse.ok || sha256(bundle) !== manifest.sha256) {
  console.error(`the reporter bundle from ${base} does not match its manifest (HTTP ${bundleResponse.status})`);
  process.exit(1);
}
await writeFile(`${target}.partial`, bundle, { mode: 0o644 });
await rename(`${target}.partial`, target);
console.log(`reporter ${manifest.version} installed`);
JS
write_if_changed "$BOOT_DIR/launch-reporter.sh" 755 <<'SH'
#!/usr/bin/env bash
# Started by PM2: refreshes the reporter bundle from the edge, then becomes the reporter.
set -uo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
node "$dir/update-reporter.mjs" "$EDGE_URL" "$dir" || echo "could not refresh the reporter from the edge; starting the bundle already here" >&2
[[ -f "$dir/reporter.mjs" ]] || { echo "no reporter bundle in $dir; check EDGE_URL" >&2; exit 1; }
# Lets the reporter exit when the edge needs a newer one, so PM2 restarts this launcher.
export COMFYCARRY_SELF_UPDATE=1
# glibc malloc settings for the reporter alone (REPORTER_MALLOC_ENV in tools/stack/src/stack.ts
# explains why). The reporter drops the ones listed here from its children's environment, so a
# value the user set for ComfyUI is kept and not listed.
own=()
if [[ -z "${MALLOC_ARENA_MAX:-}" ]]; then export MALLOC_ARENA_MAX=2; own+=(MALLOC_ARENA_MAX); fi
if [[ -z "${MALLOC_MMAP_THRESHOLD_:-}" ]]; then export MALLOC_MMAP_THRESHOLD_=131072; own+=(MALLOC_MMAP_THRESHOLD_); fi
if [[ -z "${GLIBC_TUNABLES:-}" ]]; then export GLIBC_TUNABLES=glibc.malloc.mxfast=0:glibc.malloc.tcache_count=0; own+=(GLIBC_TUNABLES); fi
COMFYCARRY_REPORTER_ONLY_ENV="$(IFS=,; echo "${own[*]}")"
export COMFYCARRY_REPORTER_ONLY_ENV
# The same Node flags as REPORTER_NODE_ARGS in tools/stack/src/stack.ts, which explains why.
exec node --max-semi-space-size=1 --optimize-for-size --expose-gc --no-memory-reducer --max-opt=0 "$dir/reporter.mjs"
SH

update_output="$(node "$BOOT_DIR/update-reporter.mjs" "$EDGE_URL" "$BOOT_DIR" 2>&1)" || fail "could not fetch the reporter from the edge: $update_output"
log "$update_output"

TOKEN_FILE="$STATE_DIR/instance-token"
if [[ -n "${COMFYCARRY_INSTANCE_TOKEN:-}" ]]; then
  printf '%s' "$COMFYCARRY_INSTANCE_TOKEN" | write_if_changed "$TOKEN_FILE" 600
fi

running_pid="$(pm2 pid "$PM2_NAME" 2>/dev/null | tail -n1 || true)"
if [[ "$running_pid" =~ ^[1-9][0-9]*$ ]]; then
  log "$PM2_NAME is already running under PM2 (pid $running_pid); nothing to start"
  exit 0
fi
if pm2 describe "$PM2_NAME" >/dev/null 2>&1; then
  log "$PM2_NAME is known to PM2 but not running; restarting it"
  pm2 restart "$PM2_NAME" >>"$LOG_FILE" 2>&1 || fail "pm2 restart $PM2_NAME failed; see $LOG_FILE"
  exit 0
fi

log "starting $PM2_NAME${INSTANCE_NAME:+ for instance $INSTANCE_NAME}${COMFYCARRY_INSTANCE_ID:+ ($COMFYCARRY_INSTANCE_ID)}"
# PM2 copies the environment into its dump file, so the tokens handed to the edge are left out
# and an instance token travels only as a file path. With ENROLL_KEY the reporter trades the
# key for its own token on first start and keeps it in the state dir (mode 0600).
token_env=()
if [[ -f "$TOKEN_FILE" && -n "${COMFYCARRY_INSTANCE_ID:-}" ]]; then
  token_env=(COMFYCARRY_INSTANCE_ID="$COMFYCARRY_INSTANCE_ID" COMFYCARRY_TOKEN_FILE="$TOKEN_FILE")
fi
env -u COMFYCARRY_INSTANCE_TOKEN -u CIVITAI_TOKEN -u HF_TOKEN -u RCLONE_CONF_BASE64 -u CF_API_TOKEN -u DASHBOARD_PASSWORD \
  EDGE_URL="$EDGE_URL" "${token_env[@]}" PATH="$PATH" \
  WORKSPACE_DIR="$WORKSPACE_DIR" COMFYCARRY_STATE_DIR="$STATE_DIR" \
  pm2 start "$BOOT_DIR/launch-reporter.sh" --name "$PM2_NAME" --interpreter bash --stop-exit-codes 78 --time --no-pmx >>"$LOG_FILE" 2>&1 \
  || fail "pm2 could not start the reporter; see $LOG_FILE"
pm2 save >>"$LOG_FILE" 2>&1 || log "pm2 save failed; the reporter will not come back after a PM2 restart"
log "reporter started"
