// The designer's first load over a throttled network, in Chromium: from navigation to the code
// editor on the page (the designer usable), with the browser cache off, as the server sends the
// bundles (gzip) and as it sent them before they were precompressed (the same request with
// `Accept-Encoding: identity`). Also the bytes that crossed the wire.
//
//   node bench/page-load-bench.mjs --base-url http://127.0.0.1:PORT [--runs N]
//
// `cargo xtask bench-designer` runs it after the designer's own figures. A benchmark, not a
// test: it prints figures and fails only if something breaks.
import { launchChromium } from "./chromium.mjs";

/// The links measured: Chromium's own throttling of every response (download and upload in
/// bytes per second, and an added round-trip latency).
const LINKS = [
  { name: "50 Mbit/s, 20 ms", download: (50e6 / 8) | 0, upload: (10e6 / 8) | 0, latency: 20 },
  { name: "10 Mbit/s, 40 ms", download: (10e6 / 8) | 0, upload: (2e6 / 8) | 0, latency: 40 },
];

function parseArgs(argv) {
  const options = { baseUrl: null, runs: 5 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--base-url") options.baseUrl = argv[++i];
    else if (arg === "--runs") options.runs = Number.parseInt(argv[++i], 10);
    else throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
  }
  if (!options.baseUrl) throw new Error("usage: node bench/page-load-bench.mjs --base-url URL [--runs N]");
  return options;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/// One cold load of /designer over `link`; `identity` asks for uncompressed answers.
async function load(browser, baseUrl, link, identity) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: link.latency,
    downloadThroughput: link.download,
    uploadThroughput: link.upload,
  });
  if (identity) await cdp.send("Network.setExtraHTTPHeaders", { headers: { "Accept-Encoding": "identity" } });
  let bytes = 0;
  cdp.on("Network.loadingFinished", (event) => {
    bytes += event.encodedDataLength;
  });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${baseUrl}/designer`, { waitUntil: "commit" });
  await page.waitForSelector('[data-testid="asl-code"] .cm-editor', { timeout: 120_000 });
  const ready = await page.evaluate(() => performance.now());
  await context.close();
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  return { ready, bytes };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const browser = await launchChromium();
  console.log(`The designer's first load (cache off), navigation → code editor on the page, median of ${options.runs}:`);
  console.log("| link | gzip (as sent now): ms | KiB over the wire | uncompressed (as before): ms | KiB over the wire |");
  console.log("|---|---|---|---|---|");
  for (const link of LINKS) {
    const figures = {};
    for (const identity of [false, true]) {
      const runs = [];
      // Alternate nothing else in between: each mode's runs back to back, after one warm-up load
      // (the server's first answers and Chromium's compile cache are not what is measured).
      await load(browser, options.baseUrl, link, identity);
      for (let run = 0; run < options.runs; run++) runs.push(await load(browser, options.baseUrl, link, identity));
      figures[identity] = { ms: median(runs.map((r) => r.ready)), kib: median(runs.map((r) => r.bytes)) / 1024 };
    }
    console.log(
      `| ${link.name} | ${figures[false].ms.toFixed(0)} | ${figures[false].kib.toFixed(0)} | ${figures[true].ms.toFixed(0)} | ${figures[true].kib.toFixed(0)} |`,
    );
  }
  await browser.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
