// Opens a page in Debian's Chromium (headless) and reports what happened, for
// the C++ tests: node visit.js URL SELECTOR SCREENSHOT [TIMEOUT_MS] prints one
// JSON line {loaded, title, consoleErrors, pageErrors, failedRequests,
// offsiteRequests} and exits 0 (1 when the browser could not be driven).
// A request to another origin is reported (the pages must work offline).
const { chromium } = require("playwright-core");

async function main() {
  const [url, selector, screenshot, timeoutText] = process.argv.slice(2);
  const timeout = Number(timeoutText || 20000);
  const browser = await chromium.launch({ executablePath: process.env.ORCH_CHROMIUM || "/usr/bin/chromium",
                                          args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  const report = { loaded: false, title: "", consoleErrors: [], pageErrors: [], failedRequests: [], offsiteRequests: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const origin = new URL(url).origin;
    page.on("console", (message) => { if (message.type() === "error") report.consoleErrors.push(message.text()); });
    page.on("pageerror", (error) => report.pageErrors.push(String(error)));
    page.on("requestfailed", (request) => report.failedRequests.push(request.url() + " " + (request.failure() || {}).errorText));
    page.on("request", (request) => {
      const target = request.url();
      if (!target.startsWith(origin) && !target.startsWith("data:") && !target.startsWith("blob:")) report.offsiteRequests.push(target);
    });
    await page.goto(url, { waitUntil: "load", timeout });
    await page.waitForSelector(selector, { timeout });
    await page.waitForLoadState("networkidle", { timeout }).catch(() => {});
    report.loaded = true;
    report.title = await page.title();
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: false });
  } catch (error) {
    report.pageErrors.push("visit: " + String(error));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
}

main().catch((error) => { console.error(error); process.exit(1); });
