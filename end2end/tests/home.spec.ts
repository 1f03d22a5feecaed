// The start page: it names Statehouse, links the sections, hydrates, and logs no errors.
import { expect, test, type ConsoleMessage } from "@playwright/test";

test("the home page loads, hydrates and logs no console errors", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));

  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle("Statehouse");
  await expect(page.getByRole("heading", { level: 1, name: "Statehouse" })).toBeVisible();

  // Every section is a link.
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link")).toHaveCount(3);
  await expect(nav.getByRole("link", { name: "Designer" })).toHaveAttribute("href", "/designer");
  await expect(nav.getByRole("link", { name: "Executions" })).toHaveAttribute("href", "/executions");
  await expect(nav.getByRole("link", { name: "Approvals" })).toHaveAttribute("href", "/approvals");

  // Before hydration the button does nothing; once the wasm has taken over, a click asks the
  // server and the answer appears on the page.
  const status = page.getByTestId("server-status");
  await expect(status).toHaveText("Not checked yet.");
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((r) => r.name.endsWith(".wasm")));
  await expect(async () => {
    await page.getByTestId("check-server").click();
    await expect(status).toContainText("SQLite answered in", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(status).toContainText("migration(s) applied");

  expect(problems).toEqual([]);
});

test("an unknown page answers 404 with a way back", async ({ page }) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the start page" }).click();
  await expect(page).toHaveURL(/\/$/);
});
