// Playwright settings for Statehouse's browser tests.
//
// `cargo xtask test` starts the real server and passes its address as BASE_URL. The browser
// is Debian's Chromium (/usr/bin/chromium); Playwright never downloads one of its own.
// Its flags are the benchmarks' too (`bench/chromium.mjs`).
import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS } from "./bench/chromium.mjs";

const baseURL = process.env.BASE_URL;
if (!baseURL) {
  throw new Error(
    "BASE_URL is not set: run the browser tests with `cargo xtask test`, which starts the server",
  );
}

export default defineConfig({
  testDir: "./tests",
  workers: 1,
  retries: 0,
  // A guard against hangs, not a speed check: this VM can lose half its CPU to steal time,
  // and a long test that passes in 12 s on a quiet machine then needs 30 s.
  timeout: 60_000,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    },
  },
});
