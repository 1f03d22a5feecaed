// The ASL benchmarks in Chromium: `cargo xtask bench` builds the asl-bench crate for wasm32,
// runs wasm-bindgen on it, and calls this script with the folders it wrote.
//
//   node bench/asl-bench.mjs --runs N [--json FILE] NAME=DIR [NAME=DIR ...]
//
// Each DIR holds `asl_bench.js` and `asl_bench_bg.wasm` (wasm-bindgen's web target). The script
// serves them from a local HTTP server on 127.0.0.1 (a random port, closed at the end), opens
// one page per build in Debian's Chromium with the same flags as the browser tests, calls the
// module's `run_benchmarks(runs)` and prints the figures it returns. The page is cross-origin
// isolated (COOP/COEP headers) so `performance.now()` has its fine resolution.
//
// This is a benchmark, not a test: it prints figures and fails only if something breaks.
import { createServer } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { launchChromium } from "./chromium.mjs";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
};

function parseArgs(argv) {
  const options = { runs: 30, json: null, builds: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--runs") {
      options.runs = Number.parseInt(argv[++i], 10);
    } else if (arg === "--json") {
      options.json = argv[++i];
    } else if (arg.includes("=")) {
      const [name, dir] = arg.split(/=(.*)/s);
      options.builds.push({ name, dir: path.resolve(dir) });
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  if (!Number.isInteger(options.runs) || options.runs < 20) {
    throw new Error("--runs takes a number of at least 20");
  }
  if (options.builds.length === 0) {
    throw new Error("usage: node bench/asl-bench.mjs --runs N [--json FILE] NAME=DIR [NAME=DIR ...]");
  }
  return options;
}

// Serves `/NAME/index.html` (an empty page) and `/NAME/<file>` from each build's folder.
function startServer(builds) {
  const folders = new Map(builds.map((build) => [build.name, build.dir]));
  const server = createServer(async (request, response) => {
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cache-Control": "no-store",
    };
    const [, name, file] = new URL(request.url, "http://localhost").pathname.split("/");
    const folder = folders.get(name);
    if (!folder || !file || file.includes("..")) {
      response.writeHead(404, headers).end();
      return;
    }
    if (file === "index.html") {
      const page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>asl-bench ${name}</title>`;
      response.writeHead(200, { ...headers, "Content-Type": CONTENT_TYPES[".html"] }).end(page);
      return;
    }
    try {
      const body = await readFile(path.join(folder, file));
      const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
      response.writeHead(200, { ...headers, "Content-Type": type }).end(body);
    } catch {
      response.writeHead(404, headers).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const server = await startServer(options.builds);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  const reports = [];
  try {
    const version = browser.version();
    for (const build of options.builds) {
      const page = await browser.newPage();
      page.on("console", (message) => console.error(`    [${build.name}] ${message.text()}`));
      page.on("pageerror", (error) => console.error(`    [${build.name}] page error: ${error.message}`));
      await page.goto(`${origin}/${build.name}/index.html`);
      const isolated = await page.evaluate(() => globalThis.crossOriginIsolated === true);
      const environment = `${build.name}, Chromium ${version}${isolated ? ", cross-origin isolated" : ""}`;
      console.error(`    running ${build.name} in Chromium ${version} (${options.runs} runs per step)`);
      const text = await page.evaluate(
        async ({ runs, environment }) => {
          const module = await import(new URL("asl_bench.js", location.href).href);
          await module.default({ module_or_path: new URL("asl_bench_bg.wasm", location.href) });
          return module.run_benchmarks(runs, environment);
        },
        { runs: options.runs, environment },
      );
      const report = JSON.parse(text);
      report.name = build.name;
      process.stdout.write(report.text);
      delete report.text;
      reports.push(report);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (options.json) {
    await writeFile(options.json, JSON.stringify({ variants: reports }, null, 2));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
