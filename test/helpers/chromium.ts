/**
 * Headless Chromium for tests of report.html, driven by playwright-core (no browser download:
 * Debian's `chromium` package). With the network off: every request but the page's own
 * file:// URL is aborted and counted, so a test can assert the page fetched nothing.
 * When Chromium is absent (a user's machine), `chromiumPath()` is undefined and the tests
 * that need it skip with a printed NOTICE; CI installs it (scripts/ensure-chromium.sh).
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

const CANDIDATES = [process.env.SHAKEDOWN_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p): p is string => p !== undefined && p !== "" && existsSync(p));
}

/** Prints why browser tests are skipped, once per file. */
export function noticeNoChromium(file: string): void {
  process.stderr.write(`NOTICE: ${file}: no Chromium found (${CANDIDATES.filter(Boolean).join(", ")}); its browser tests are skipped. Install Debian's chromium package to run them.\n`);
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no Chromium");
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

export interface OpenedPage {
  page: Page;
  /** URLs the page tried to fetch besides itself (all refused). */
  blocked: string[];
  /** Dialogs opened (alert, confirm, prompt): a script ran. */
  dialogs: string[];
  /** Console messages and page errors. */
  console: string[];
  close(): Promise<void>;
}

/** Opens a local HTML file with the network off; scripts stay enabled, so an injected one would run and be caught. */
export async function openFile(browser: Browser, path: string, viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport, offline: true });
  const page = await context.newPage();
  const self = pathToFileURL(path).href;
  const blocked: string[] = [];
  const dialogs: string[] = [];
  const consoleLines: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === self) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(self, { waitUntil: "load" });
  return { page, blocked, dialogs, console: consoleLines, close: () => context.close() };
}
