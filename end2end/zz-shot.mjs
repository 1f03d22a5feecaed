import { launchChromium } from "./bench/chromium.mjs";
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const logs = [];
page.on("console", m => { if (m.type() === "error" || m.type() === "warning") logs.push(m.text()); });
await page.goto("http://127.0.0.1:38555/designer");
await page.waitForSelector("[data-state]");
await page.screenshot({ path: "/tmp/d1.png" });
// open templates menu?
const buttons = await page.locator("button").allInnerTexts();
console.log(buttons.join(" | "));
console.log(logs);
await browser.close();
