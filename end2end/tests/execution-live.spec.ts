// The executions list without reloading: an execution started through the API appears as
// RUNNING and turns SUCCEEDED while the page stays open (server-sent events), and the state
// machine's actual cost then counts it; and the list's filters, the date range among them.
import { expect, test } from "@playwright/test";

import { createMachine, sfn, waitForEnd, watchForProblems } from "./execution-support";

const waiting = {
  StartAt: "Pause",
  States: {
    Pause: { Type: "Wait", Seconds: 2, Next: "Done" },
    Done: { Type: "Succeed" },
  },
};

const quick = { StartAt: "Done", States: { Done: { Type: "Pass", End: true } } };

test("the list shows an execution start and end without a reload", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `live-${suffix}`, waiting);

  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}`);
  await expect(page.getByTestId("executions-summary")).toHaveText("No executions match.");
  await expect(page.getByTestId("machine-cost-empty")).toBeVisible();
  // The page says when it follows the server's changes.
  await expect(page.getByTestId("live")).toHaveAttribute("data-live", "on");
  await expect(page.getByTestId("live")).toContainText("Live");
  // A marker that a reload would wipe out.
  await page.evaluate(() => ((window as any).statehouseNoReload = true));

  const name = `waits-${suffix}`;
  const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn, name, input: "{}" });
  const row = page.locator(`tr[data-execution="${name}"]`);
  await expect(row).toHaveAttribute("data-status", "RUNNING");
  await expect(row.getByText("RUNNING", { exact: true })).toBeVisible();
  await expect(row).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 15_000 });
  await expect(row.getByText("SUCCEEDED", { exact: true })).toBeVisible();
  expect(await waitForEnd(request, executionArn)).toBe("SUCCEEDED");
  expect(await page.evaluate(() => (window as any).statehouseNoReload)).toBe(true);
  await expect(page.getByTestId("executions-summary")).toHaveText("1 execution.");
  // The actual cost below the list was read again when the execution ended: Pause and Done.
  const today = new Date().toISOString().slice(0, 10);
  const day = page.locator(`[data-testid=machine-cost] tr[data-day="${today}"]`);
  await expect(day.locator("[data-cell=executions]")).toHaveText("1");
  await expect(day.locator("[data-cell=transitions]")).toHaveText("2");
  expect(await page.evaluate(() => (window as any).statehouseNoReload)).toBe(true);

  expect(problems).toEqual([]);
});

test("the list filters by status, name and start date", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `dates-${suffix}`, quick);
  const machine = encodeURIComponent(stateMachineArn);
  const start = async (name: string) => {
    const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn, name, input: "{}" });
    await waitForEnd(request, executionArn);
    const { startDate } = await sfn(request, "DescribeExecution", { executionArn });
    return Math.round(startDate * 1000);
  };
  const firstStart = await start(`first-${suffix}`);
  // The second starts at a later millisecond, so a date separates them.
  await expect.poll(() => Date.now()).toBeGreaterThan(firstStart + 5);
  const secondStart = await start(`second-${suffix}`);
  expect(secondStart).toBeGreaterThan(firstStart);
  const rows = page.locator("[data-testid=executions] tbody tr");

  // Started after (inclusive) and before (exclusive) the second's start, to the millisecond.
  const secondIso = new Date(secondStart).toISOString();
  await page.goto(`/executions?machine=${machine}&started_after=${encodeURIComponent(secondIso)}`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-execution", `second-${suffix}`);
  await page.goto(`/executions?machine=${machine}&started_before=${encodeURIComponent(secondIso)}`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-execution", `first-${suffix}`);

  // The form: a range in the past matches nothing; one around today matches both.
  await page.goto(`/executions?machine=${machine}`);
  await expect(rows).toHaveCount(2);
  await page.locator("#filter-started-before").fill("2000-01-01T00:00:00");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/started_before=2000-01-01T00%3A00/);
  await expect(page.getByTestId("executions-summary")).toHaveText("No executions match.");
  const today = new Date(firstStart).toISOString().slice(0, 10);
  await page.locator("#filter-started-before").fill("");
  await page.locator("#filter-started-after").fill(`${today}T00:00:00`);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`started_after=${today}`));
  await expect(rows).toHaveCount(2);
  // The form keeps what was chosen.
  await expect(page.locator("#filter-started-after")).toHaveValue(`${today}T00:00`);

  // Status and name still combine with the dates.
  await page.goto(`/executions?machine=${machine}&status=SUCCEEDED&name=second&started_after=${today}`);
  await expect(rows).toHaveCount(1);
  await page.goto(`/executions?machine=${machine}&status=FAILED&started_after=${today}`);
  await expect(page.getByTestId("executions-summary")).toHaveText("No executions match.");

  expect(problems).toEqual([]);
});

test("a start date that cannot be read is named in the list's error", async ({ page }) => {
  const problems = watchForProblems(page);
  await page.goto(`/executions?started_after=yesterday`);
  await expect(page.getByRole("alert")).toContainText("“Started after” must be a date and time in UTC");
  await expect(page.getByRole("alert")).toContainText("yesterday");

  expect(problems).toEqual([]);
});
