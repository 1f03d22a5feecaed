// Express executions in the executions list: they live in the engine's memory, not in the
// database, yet the list shows them beside Standard ones with their type, live (an Express
// execution appears RUNNING and turns SUCCEEDED without a reload), filtered by status, name,
// state machine and dates like any other, and their page shows their graph and history.
import { expect, test } from "@playwright/test";

import { sfn, waitForEnd, waitForHydration, watchForProblems } from "./execution-support";

const WAITING = {
  StartAt: "Pause",
  States: {
    Pause: { Type: "Wait", Seconds: 2, Next: "Done" },
    Done: { Type: "Pass", End: true },
  },
};

const FAILING = { StartAt: "Boom", States: { Boom: { Type: "Fail", Error: "Express.Bad", Cause: "on purpose" } } };

async function createMachine(request: any, name: string, definition: object, type: "STANDARD" | "EXPRESS") {
  const { stateMachineArn } = await sfn(request, "CreateStateMachine", {
    name,
    type,
    definition: JSON.stringify(definition),
    roleArn: "arn:aws:iam::123456789012:role/statehouse",
  });
  return stateMachineArn as string;
}

test("Express executions are listed live, filtered, and open on their own page", async ({ page, request }) => {
  test.setTimeout(60_000);
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const express = await createMachine(request, `express-${suffix}`, WAITING, "EXPRESS");
  const machine = encodeURIComponent(express);

  await page.goto(`/executions?machine=${machine}`);
  await expect(page.getByTestId("executions-summary")).toHaveText("No executions match.");
  await expect(page.getByTestId("live")).toHaveAttribute("data-live", "on");
  await page.evaluate(() => ((window as any).statehouseNoReload = true));

  // It appears while it runs and turns SUCCEEDED, without a reload.
  const name = `fast-${suffix}`;
  const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn: express, name, input: '{"n": 1}' });
  expect(executionArn).toContain(":express:");
  const row = page.locator(`tr[data-execution="${name}"]`);
  await expect(row).toHaveAttribute("data-status", "RUNNING");
  await expect(row).toHaveAttribute("data-type", "EXPRESS");
  await expect(row.getByRole("cell", { name: "Express", exact: true })).toBeVisible();
  await expect(row).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 15_000 });
  expect(await waitForEnd(request, executionArn)).toBe("SUCCEEDED");
  expect(await page.evaluate(() => (window as any).statehouseNoReload)).toBe(true);

  // A failed one, and a Standard execution of another state machine in the same list.
  const failing = await createMachine(request, `express-fails-${suffix}`, FAILING, "EXPRESS");
  const failed = await sfn(request, "StartExecution", { stateMachineArn: failing, name: `bad-${suffix}`, input: "{}" });
  expect(await waitForEnd(request, failed.executionArn)).toBe("FAILED");
  const standard = await createMachine(request, `standard-${suffix}`, { StartAt: "P", States: { P: { Type: "Pass", End: true } } }, "STANDARD");
  const done = await sfn(request, "StartExecution", { stateMachineArn: standard, name: `std-${suffix}`, input: "{}" });
  expect(await waitForEnd(request, done.executionArn)).toBe("SUCCEEDED");

  // Every state machine: newest first, both types.
  const rows = page.locator("[data-testid=executions] tbody tr");
  await page.goto(`/executions?name=${suffix}`);
  await expect(rows).toHaveCount(3);
  expect(await rows.evaluateAll((all) => all.map((row) => `${row.getAttribute("data-execution")} ${row.getAttribute("data-type")}`))).toEqual([
    `std-${suffix} STANDARD`,
    `bad-${suffix} EXPRESS`,
    `fast-${suffix} EXPRESS`,
  ]);
  // The order control turns the list round, through the form as a person would use it.
  await page.getByLabel("Order").selectOption("oldest");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/order=oldest/);
  await expect(rows.first()).toHaveAttribute("data-execution", `fast-${suffix}`);
  expect(await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-execution")))).toEqual([
    `fast-${suffix}`,
    `bad-${suffix}`,
    `std-${suffix}`,
  ]);
  await expect(page.getByLabel("Order")).toHaveValue("oldest");
  // Status, name and dates filter Express executions as they filter Standard ones.
  await page.goto(`/executions?name=${suffix}&status=FAILED`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-execution", `bad-${suffix}`);
  await page.goto(`/executions?name=fast-${suffix}&status=SUCCEEDED`);
  await expect(rows).toHaveCount(1);
  await page.goto(`/executions?name=${suffix}&started_before=2000-01-01`);
  await expect(page.getByTestId("executions-summary")).toHaveText("No executions match.");
  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`/executions?machine=${machine}&started_after=${today}`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-type", "EXPRESS");

  // Its page: type, status, the graph coloured from its history, its events.
  await rows.first().getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await expect(page.getByTestId("execution-type")).toHaveText("Express");
  await expect(page.getByTestId("execution-status")).toHaveText("SUCCEEDED");
  await expect(page.locator('[data-state="Pause"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator('[data-state="Done"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator("[data-testid=events] tr[data-type=ExecutionSucceeded]")).toHaveCount(1);
  await expect(page.getByTestId("execution-input")).toContainText('"n": 1');
  await waitForHydration(page);
  await page.getByTestId("state-select").selectOption("Pause");
  await expect(page.getByTestId("state-details")).toHaveAttribute("data-state-details", "Pause");

  // A failed Express execution shows its error and offers no Redrive (AWS redrives none).
  await page.goto(`/executions/${encodeURIComponent(failed.executionArn)}`);
  await expect(page.getByTestId("execution-error")).toHaveText("Express.Bad");
  await expect(page.getByTestId("redrive-panel")).toHaveCount(0);

  expect(problems).toEqual([]);
});
