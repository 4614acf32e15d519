import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { chromium } from "playwright-core";

// Takes overview screenshots (desktop and phone, zh-CN and en) from a running dashboard,
// e.g. the mock edge: `npx tsx web/dev/screenshots.ts --url http://127.0.0.1:4173 --out /tmp/shots`.
// Uses the system Chromium (CHROMIUM_PATH, default /usr/bin/chromium).

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    out: { type: "string", default: "screenshots" },
    password: { type: "string", default: process.env.MOCK_PASSWORD ?? "comfycarry" },
    instance: { type: "string", default: "studio-4090" },
    theme: { type: "string", default: "light" },
    page: { type: "string", default: "overview" },
  },
});

if (values.url === undefined) {
  throw new Error("--url is required: the dashboard's address, e.g. http://127.0.0.1:4173");
}
const base = values.url.replace(/\/$/, "");
mkdirSync(values.out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

const viewports = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "phone", width: 390, height: 844 },
];

try {
  for (const locale of ["zh-CN", "en"]) {
    for (const viewport of viewports) {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, deviceScaleFactor: 1 });
      await context.addInitScript(
        ([chosenLocale, theme]) => {
          localStorage.setItem("comfycarry.locale", chosenLocale ?? "en");
          localStorage.setItem("comfycarry.theme", theme ?? "light");
        },
        [locale, values.theme],
      );
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await page.fill("input[type=password]", values.password);
      await page.click("[data-testid=login-submit]");
      await page.waitForURL((url) => !url.pathname.startsWith("/login"));

      const target = values.page === "fleet" ? `${base}/` : `${base}/instances/${values.instance}/overview`;
      await page.goto(target);
      await page.waitForSelector(values.page === "fleet" ? "[data-testid=fleet]" : "[data-testid=status-bar]");
      await page.waitForTimeout(values.page === "fleet" ? 500 : 9000);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      const file = join(values.out, `${values.page}-${viewport.name}-${locale}${values.theme === "dark" ? "-dark" : ""}.png`);
      await page.screenshot({ path: file, fullPage: true });
      process.stdout.write(`${file} (horizontal overflow ${overflow}px)\n`);
      await context.close();
    }
  }
} finally {
  await browser.close();
}
