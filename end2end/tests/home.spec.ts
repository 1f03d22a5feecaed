// The start page: it names Statehouse, links the sections, hydrates, and logs no errors.
import { expect, test, type ConsoleMessage } from "@playwright/test";
import { createMachine, sfn, waitForEnd, watchForProblems } from "./execution-support";

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

test("the start page shows what is going on at a glance, each figure a link to what it counts", async ({
  page,
  request,
}) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `glance-${suffix}`, {
    StartAt: "Route",
    States: {
      Route: {
        Type: "Choice",
        Choices: [{ Variable: "$.way", StringEquals: "wait", Next: "Linger" }],
        Default: "Reject",
      },
      Linger: { Type: "Wait", Seconds: 3600, End: true },
      Reject: { Type: "Fail", Error: "Glance.Rejected" },
    },
  });
  const waiting = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `waits-${suffix}`,
    input: JSON.stringify({ way: "wait" }),
  });
  const failing = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `fails-${suffix}`,
    input: JSON.stringify({ way: "fail" }),
  });
  expect(await waitForEnd(request, failing.executionArn)).toBe("FAILED");

  await page.goto("/");
  const overview = page.getByTestId("overview");
  // The latest executions, newest first: these two lead.
  const rows = overview.locator("[data-testid=glance-recent] tbody tr");
  await expect(rows.nth(0)).toHaveAttribute("data-execution", `fails-${suffix}`);
  await expect(rows.nth(0)).toHaveAttribute("data-status", "FAILED");
  await expect(rows.nth(1)).toHaveAttribute("data-execution", `waits-${suffix}`);
  await expect(rows.nth(1)).toHaveAttribute("data-status", "RUNNING");
  expect(await rows.count()).toBeLessThanOrEqual(5);
  // The figures count these two among others (the server's own tests count them exactly).
  for (const id of ["glance-running", "glance-failed"]) {
    expect(Number(await page.getByTestId(id).locator("strong").textContent())).toBeGreaterThanOrEqual(1);
  }
  await expect(page.getByTestId("glance-approvals")).toHaveAttribute("href", "/approvals?status=pending");

  // Each figure leads to the list of what it counts.
  await page.getByTestId("glance-failed").click();
  await expect(page).toHaveURL(/\/executions\?status=FAILED&started_after=/);
  await expect(page.locator(`tr[data-execution="fails-${suffix}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-execution="waits-${suffix}"]`)).toHaveCount(0);
  await page.goto("/");
  await page.getByTestId("glance-running").click();
  await expect(page).toHaveURL(/\/executions\?status=RUNNING$/);
  await expect(page.locator(`tr[data-execution="waits-${suffix}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-execution="fails-${suffix}"]`)).toHaveCount(0);

  await sfn(request, "StopExecution", { executionArn: waiting.executionArn });
  expect(problems).toEqual([]);
});
