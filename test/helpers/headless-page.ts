/**
 * One headless Chromium (Debian's, at /usr/bin/chromium or CHROMIUM_PATH) for a test file, and
 * pages loaded from HTML with every console error and every request beyond the page recorded
 * (such requests are also blocked).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export interface Loaded {
  page: Page;
  errors: string[];
  /** Every request other than the page itself. */
  requests: string[];
}

export interface HeadlessBrowser {
  context: BrowserContext;
  /** Writes `html` to a file named `name` and opens it. */
  load(html: string, name: string): Promise<Loaded>;
  close(): Promise<void>;
}

/** Starts the browser with a fresh profile and no background networking. */
export async function startHeadless(prefix = "modelgate-html-"): Promise<HeadlessBrowser> {
  const work = mkdtempSync(path.join(tmpdir(), prefix));
  const context = await chromium.launchPersistentContext(path.join(work, "profile"), {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return {
    context,
    async load(html, name) {
      const file = path.join(work, `${name}.html`);
      writeFileSync(file, html);
      const url = `file://${file}`;
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("request", (r) => {
        if (r.url() !== url) requests.push(r.url());
      });
      await page.route("**/*", (route) =>
        route.request().url() === url ? route.continue() : route.abort("blockedbyclient"),
      );
      await page.goto(url, { waitUntil: "load" });
      return { page, errors, requests };
    },
    async close() {
      await context.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
