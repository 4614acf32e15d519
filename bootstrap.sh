#!/usr/bin/env bash
# ComfyCarry on-start script for vast.ai / RunPod containers: starts the reporter under
# PM2 so the instance shows up in the dashboard. Safe to run on every start: a second run
# starts nothing twice and changes no file except its log.
#
# Inputs (environment):
#   EDGE_URL                   the dashboard address, e.g. https://comfy.example.com
#   ENROLL_KEY                 a reusable enrollment key from the dashboard's Settings page
#   INSTANCE_NAME              optional; reusing a name continues that instance
#   COMFYCARRY_INSTANCE_ID and COMFYCARRY_INSTANCE_TOKEN
#                              instead of ENROLL_KEY: one instance's id and reporter token
#   WORKSPACE_DIR              default /workspace
#   COMFYCARRY_DIR             a ComfyCarry checkout with a built reporter (reporter/dist/reporter.mjs)
#
# TODO: fetching the reporter bundle from the edge and installing Node 22, rclone and aria2
# belong to the deploy engine; until then this script expects Node >= 22.13 and a built
# checkout in COMFYCARRY_DIR.
set -euo pipefail

WORKSPACE_DIR="${WORKSPACE_DIR:-/workspace}"
STATE_DIR="$WORKSPACE_DIR/.comfycarry"
LOG_FILE="$WORKSPACE_DIR/comfycarry-bootstrap.log"
mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG_FILE" >&2; }
fail() { log "error: $*"; exit 1; }

[[ -n "${EDGE_URL:-}" ]] || fail "EDGE_URL is not set; set it to your dashboard address, e.g. https://comfy.example.com"
if [[ -z "${ENROLL_KEY:-}" ]]; then
  [[ -n "${COMFYCARRY_INSTANCE_ID:-}" ]] || fail "neither ENROLL_KEY nor COMFYCARRY_INSTANCE_ID is set; create an enrollment key on the dashboard's Settings page"
fi
[[ -n "${COMFYCARRY_DIR:-}" ]] || fail "COMFYCARRY_DIR is not set; point it at a ComfyCarry checkout built with 'npm run build'"
REPORTER="$COMFYCARRY_DIR/reporter/dist/reporter.mjs"
[[ -f "$REPORTER" ]] || fail "$REPORTER is missing; run 'npm run build' in $COMFYCARRY_DIR"

if [[ -n "${DASHBOARD_PASSWORD:-}" ]]; then
  log "DASHBOARD_PASSWORD is ignored here: the owner password lives at the edge as a Worker secret"
fi

node_version="$(node -p 'process.versions.node' 2>/dev/null || echo 0)"
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=13)?0:1)' 2>/dev/null; then
  fail "Node.js >= 22.13 is required, found $node_version; install Node 22 and run this again"
fi

TOKEN_FILE="$STATE_DIR/instance-token"
if [[ -n "${COMFYCARRY_INSTANCE_TOKEN:-}" ]]; then
  # Rewrite only when the token changed, so a second run leaves the file alone.
  if [[ ! -f "$TOKEN_FILE" ]] || [[ "$(cat "$TOKEN_FILE")" != "$COMFYCARRY_INSTANCE_TOKEN" ]]; then
    (umask 077 && printf '%s' "$COMFYCARRY_INSTANCE_TOKEN" > "$TOKEN_FILE.tmp" && mv "$TOKEN_FILE.tmp" "$TOKEN_FILE")
    log "stored the instance token in $TOKEN_FILE"
  fi
fi
if [[ -z "${ENROLL_KEY:-}" ]]; then
  [[ -f "$TOKEN_FILE" ]] || fail "no instance token: set ENROLL_KEY, or COMFYCARRY_INSTANCE_TOKEN"
fi

if ! command -v pm2 >/dev/null 2>&1; then
  log "installing PM2"
  npm install -g pm2 >>"$LOG_FILE" 2>&1 || fail "npm install -g pm2 failed; see $LOG_FILE"
fi

if pm2 describe comfycarry-reporter >/dev/null 2>&1; then
  log "comfycarry-reporter is already managed by PM2; nothing to start"
  exit 0
fi

log "starting comfycarry-reporter${INSTANCE_NAME:+ for instance $INSTANCE_NAME}${COMFYCARRY_INSTANCE_ID:+ ($COMFYCARRY_INSTANCE_ID)}"
# PM2 copies the environment into its dump file, so a token travels only as a file path.
# With ENROLL_KEY the reporter trades the key for its own token on first start and keeps it
# in the state dir (mode 0600); later starts reuse that token.
token_env=()
if [[ -f "$TOKEN_FILE" && -n "${COMFYCARRY_INSTANCE_ID:-}" ]]; then
  token_env=(COMFYCARRY_INSTANCE_ID="$COMFYCARRY_INSTANCE_ID" COMFYCARRY_TOKEN_FILE="$TOKEN_FILE")
fi
env -u COMFYCARRY_INSTANCE_TOKEN EDGE_URL="$EDGE_URL" "${token_env[@]}" \
  WORKSPACE_DIR="$WORKSPACE_DIR" COMFYCARRY_STATE_DIR="$STATE_DIR" MALLOC_ARENA_MAX=2 \
  pm2 start "$REPORTER" --name comfycarry-reporter --stop-exit-codes 78 --time --no-pmx --disable-source-map-support --node-args="--max-semi-space-size=1" >>"$LOG_FILE" 2>&1 \
  || fail "pm2 could not start the reporter; see $LOG_FILE"
pm2 save >>"$LOG_FILE" 2>&1 || log "pm2 save failed; the reporter will not come back after a PM2 restart"
log "reporter started"
