// Debian's Chromium as the benchmarks and the browser tests launch it: headless, with nothing
// of its own running in the background (no network of its own, no updates, no sync).
import { chromium } from "@playwright/test";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/// Launches the Chromium at `CHROMIUM_PATH` (default `/usr/bin/chromium`).
export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium", args: CHROMIUM_ARGS });
}
