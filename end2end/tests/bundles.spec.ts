// The two browser bundles: /designer loads the designer's wasm and every other page the other
// one, and moving between them (a navigation link, the Back button) lands on a page that works,
// with no hydration error on the way.
import { expect, test, type Page } from "@playwright/test";

/// The wasm files this document has loaded, by path.
async function loadedWasm(page: Page): Promise<string[]> {
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((r) => r.name.endsWith(".wasm")));
  return page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((entry) => new URL(entry.name).pathname)
      .filter((path) => path.endsWith(".wasm")),
  );
}

test("each page hydrates with its own bundle, and the navigation crosses between them", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  const nav = page.getByRole("navigation", { name: "Main" });

  // The start page: the other pages' bundle, hydrated (the server check answers).
  await page.goto("/");
  expect(await loadedWasm(page)).toEqual(["/pkg/statehouse_bg.wasm"]);
  await expect(async () => {
    await page.getByTestId("check-server").click();
    await expect(page.getByTestId("server-status")).toContainText("SQLite answered in", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  // To the designer by its link: the designer's page with the designer's bundle, working (the
  // code editor is mounted by the wasm). The server sends that page with only a loading notice
  // for a body, and the bundle renders the page in its place: one page, with its title.
  await nav.getByRole("link", { name: "Designer" }).click();
  await expect(page).toHaveURL(/\/designer$/);
  await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
  expect(await loadedWasm(page)).toEqual(["/pkg/statehouse-designer_bg.wasm"]);
  await expect(page).toHaveTitle("Designer · Statehouse");
  await expect(page.locator('link[rel="stylesheet"][href="/pkg/statehouse.css"]')).toHaveCount(1);
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(1);
  // The designer's bundle has no router: its links are plain, and still mark the current page.
  await expect(nav.getByRole("link", { name: "Designer" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "Executions" })).not.toHaveAttribute("aria-current", /.*/);
  await expect(nav.getByRole("link", { name: "Executions" })).toHaveAttribute("rel", "external");
  await expect(page.getByText("Loading the designer…")).toHaveCount(0);
  const served = await (await page.request.get("/designer")).text();
  expect(served).toContain("Loading the designer…");
  expect(served).not.toContain('data-testid="asl-code"');

  // From the designer to the executions list: loaded from the server with the other bundle.
  await nav.getByRole("link", { name: "Executions" }).click();
  await expect(page).toHaveURL(/\/executions$/);
  await expect(page.getByTestId("executions-summary")).toBeVisible();
  expect(await loadedWasm(page)).toEqual(["/pkg/statehouse_bg.wasm"]);
  await expect(nav.getByRole("link", { name: "Executions" })).toHaveAttribute("aria-current", "page");

  // Back through the history: the designer again with its bundle, then the start page.
  await page.goBack();
  await expect(page).toHaveURL(/\/designer$/);
  await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
  expect(await loadedWasm(page)).toEqual(["/pkg/statehouse-designer_bg.wasm"]);
  await page.goBack();
  await expect(page).toHaveURL(/:\d+\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Statehouse" })).toBeVisible();
  expect(await loadedWasm(page)).toEqual(["/pkg/statehouse_bg.wasm"]);

  // The start page's own link to the designer.
  await page.locator(".cards").getByRole("link", { name: "Designer" }).click();
  await expect(page).toHaveURL(/\/designer$/);
  await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });

  expect(problems).toEqual([]);
});

test("the bundles arrive gzipped, and the designer's wasm within its 600 KB budget", async ({ page }) => {
  await page.goto("/designer");
  await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
  const sizes = await page.evaluate(() =>
    (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
      .filter((entry) => new URL(entry.name).pathname.startsWith("/pkg/"))
      .map((entry) => ({ path: new URL(entry.name).pathname, sent: entry.encodedBodySize, size: entry.decodedBodySize })),
  );
  const paths = sizes.map((entry) => entry.path).sort();
  for (const path of ["/pkg/statehouse-designer.js", "/pkg/statehouse-designer_bg.wasm", "/pkg/statehouse-editor.js", "/pkg/statehouse.css"]) {
    expect(paths).toContain(path);
  }
  for (const entry of sizes.filter((entry) => entry.size >= 1024)) {
    // What crossed the wire is the build's gzip copy: a fraction of the file. (The build keeps
    // no copy of a file that gzip would not shrink, such as a few bytes of bindgen snippet.)
    expect(entry.sent, `${entry.path} is sent compressed`).toBeLessThan(entry.size * 0.6);
  }
  const wasm = sizes.find((entry) => entry.path === "/pkg/statehouse-designer_bg.wasm")!;
  expect(wasm.sent).toBeLessThanOrEqual(600_000);

  const response = await page.request.get("/pkg/statehouse-designer_bg.wasm", { headers: { "Accept-Encoding": "gzip" } });
  expect(response.headers()["content-encoding"]).toBe("gzip");
  expect(response.headers()["vary"]).toContain("accept-encoding");
});
