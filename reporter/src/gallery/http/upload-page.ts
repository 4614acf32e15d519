import { createReadStream } from "node:fs";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { pipeline } from "node:stream/promises";

import { GALLERY_PROXY_PREFIX } from "@comfycarry/shared";

import { UPLOADS_PATH } from "../uploads.js";

/** Path of the upload page; its script and tus-js-client's browser build are served below it. */
export const UPLOAD_PAGE_PATH = `${GALLERY_PROXY_PREFIX}/upload`;

// The page runs on the access proxy's origin, where the proxy session cookie is sent, so it
// uploads same-origin. Its scripts are files with a strict CSP instead of inline code.
const HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ComfyCarry upload</title>
<style>body{font:15px system-ui,sans-serif;max-width:640px;margin:24px auto;padding:0 12px}label{display:block;margin:12px 0 4px}select,input,button{font:inherit}progress{width:100%;height:18px}#status{white-space:pre-wrap}</style>
</head><body>
<h1 id="title">Upload</h1>
<label for="target" id="target-label">Target</label>
<select id="target"><option value="input">input</option><option value="model">models</option></select>
<span id="folder-box"><label for="folder" id="folder-label">Model folder</label><select id="folder"></select></span>
<label for="file" id="file-label">File</label><input id="file" type="file">
<p><button id="start" type="button">Upload</button> <button id="pause" type="button" disabled>Pause</button></p>
<progress id="progress" max="100" value="0"></progress>
<p id="status"></p>
<script src="${UPLOAD_PAGE_PATH}/tus.min.js"></script>
<script src="${UPLOAD_PAGE_PATH}/page.js"></script>
</body></html>`;

const FOLDERS = ["checkpoints", "loras", "vae", "text_encoders", "diffusion_models", "controlnet", "upscale_models", "embeddings", "clip_vision", "ipadapter", "style_models", "hypernetworks"];

// Plain browser JavaScript: it runs as is, next to tus-js-client's browser build (the global `tus`).
const PAGE_SCRIPT = `"use strict";
(function () {
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var text = zh
    ? { title: "上传到实例", target: "目标", folder: "模型目录", file: "文件", start: "上传", pause: "暂停", input: "输入目录（图片、视频）", model: "模型目录", done: "已上传：", failed: "上传失败：", paused: "已暂停。再次点击上传即可从中断处继续。", resumed: "继续之前未完成的上传。" }
    : { title: "Upload to the instance", target: "Target", folder: "Model folder", file: "File", start: "Upload", pause: "Pause", input: "Input folder (images, videos)", model: "Model folder", done: "Uploaded: ", failed: "Upload failed: ", paused: "Paused. Press Upload again to continue where it stopped.", resumed: "Continuing the earlier upload of this file." };
  var $ = function (id) { return document.getElementById(id); };
  $("title").textContent = text.title;
  $("target-label").textContent = text.target;
  $("folder-label").textContent = text.folder;
  $("file-label").textContent = text.file;
  $("start").textContent = text.start;
  $("pause").textContent = text.pause;
  $("target").options[0].textContent = text.input;
  $("target").options[1].textContent = text.model;
  ${JSON.stringify(FOLDERS)}.forEach(function (name) {
    var option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    $("folder").appendChild(option);
  });
  var query = new URLSearchParams(location.search);
  if (query.get("target") === "model") { $("target").value = "model"; }
  if (query.get("folder")) { $("folder").value = query.get("folder"); }
  var showFolder = function () { $("folder-box").style.display = $("target").value === "model" ? "" : "none"; };
  $("target").addEventListener("change", showFolder);
  showFolder();

  var current = null;
  $("start").addEventListener("click", function () {
    var file = $("file").files[0];
    if (!file) { return; }
    var metadata = { filename: file.name, target: $("target").value };
    if (metadata.target === "model") { metadata.folder = $("folder").value; }
    $("status").textContent = "";
    current = new tus.Upload(file, {
      endpoint: ${JSON.stringify(UPLOADS_PATH)},
      chunkSize: 16 * 1024 * 1024,
      retryDelays: [0, 3000, 10000, 30000],
      metadata: metadata,
      onProgress: function (sent, total) { $("progress").value = total > 0 ? Math.floor((sent / total) * 100) : 0; },
      onSuccess: function () { $("status").textContent = text.done + file.name; $("pause").disabled = true; },
      onError: function (error) { $("status").textContent = text.failed + String(error && error.message || error).slice(0, 400); $("pause").disabled = true; }
    });
    // tus-js-client remembers unfinished uploads in localStorage, so the same file resumes.
    current.findPreviousUploads().then(function (previous) {
      if (previous.length > 0) {
        current.resumeFromPreviousUpload(previous[0]);
        $("status").textContent = text.resumed;
      }
      $("pause").disabled = false;
      current.start();
    });
  });
  $("pause").addEventListener("click", function () {
    if (current) { current.abort(); $("status").textContent = text.paused; $("pause").disabled = true; }
  });
})();
`;

/** Location of tus-js-client's browser build, resolved once from the installed package. */
let tusBrowserBuild: string | null = null;

function tusBuildPath(): string {
  tusBrowserBuild ??= createRequire(import.meta.url).resolve("tus-js-client/dist/tus.min.js");
  return tusBrowserBuild;
}

/** Serves the upload page, its script and tus-js-client's browser build; returns false for other paths. */
export async function serveUploadPage(pathname: string, res: ServerResponse): Promise<boolean> {
  if (pathname === UPLOAD_PAGE_PATH) {
    res.writeHead(200, { ...HEADERS, "content-type": "text/html; charset=utf-8" });
    res.end(PAGE);
    return true;
  }
  if (pathname === `${UPLOAD_PAGE_PATH}/page.js`) {
    res.writeHead(200, { ...HEADERS, "content-type": "text/javascript; charset=utf-8" });
    res.end(PAGE_SCRIPT);
    return true;
  }
  if (pathname === `${UPLOAD_PAGE_PATH}/tus.min.js`) {
    res.writeHead(200, { ...HEADERS, "content-type": "text/javascript; charset=utf-8", "cache-control": "private, max-age=3600" });
    await pipeline(createReadStream(tusBuildPath()), res);
    return true;
  }
  return false;
}
