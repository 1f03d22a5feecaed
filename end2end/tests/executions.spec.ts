// Execution views end to end: a state machine (Pass → Choice → Succeed | Fail) is created and
// run twice through the Step Functions API; the list shows both executions with their
// statuses, each execution's page colours its graph from the history, lists its events, and
// exports the history as `aws stepfunctions get-execution-history` prints it.
import { expect, test } from "@playwright/test";

import { sfn, waitForEnd, waitForHydration, watchForProblems } from "./execution-support";

const definition = {
  Comment: "Execution views test",
  StartAt: "Prepare",
  States: {
    Prepare: { Type: "Pass", Result: { checked: true }, ResultPath: "$.prepared", Next: "Decide" },
    Decide: {
      Type: "Choice",
      Choices: [{ Variable: "$.ok", BooleanEquals: true, Next: "Done" }],
      Default: "Broken",
    },
    Done: { Type: "Succeed" },
    Broken: { Type: "Fail", Error: "Order.Broken", Cause: "the <order> & its \"items\" were broken" },
  },
};

test("the executions list and pages show what the history says", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const machineName = `views-${suffix}`;
  const { stateMachineArn } = await sfn(request, "CreateStateMachine", {
    name: machineName,
    definition: JSON.stringify(definition),
    roleArn: "arn:aws:iam::123456789012:role/statehouse",
  });
  const good = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `good-${suffix}`,
    input: JSON.stringify({ ok: true }),
  });
  expect(await waitForEnd(request, good.executionArn)).toBe("SUCCEEDED");
  const bad = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `bad-${suffix}`,
    input: JSON.stringify({ ok: false }),
  });
  expect(await waitForEnd(request, bad.executionArn)).toBe("FAILED");

  // The list, from the navigation link; newest first; both statuses.
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Executions" }).click();
  await expect(page).toHaveURL(/\/executions$/);
  const rows = page.locator("[data-testid=executions] tbody tr");
  await expect(rows.first()).toHaveAttribute("data-execution", `bad-${suffix}`);
  await expect(page.locator(`tr[data-execution="good-${suffix}"]`)).toHaveAttribute("data-status", "SUCCEEDED");
  await expect(page.locator(`tr[data-execution="bad-${suffix}"]`)).toHaveAttribute("data-status", "FAILED");
  await expect(page.locator(`tr[data-execution="good-${suffix}"]`)).toContainText(machineName);

  // Filters: by status, and by name within one state machine.
  await page.goto(`/executions?status=FAILED&name=${suffix}`);
  await expect(page.locator("[data-testid=executions] tbody tr")).toHaveCount(1);
  await expect(page.locator(`tr[data-execution="bad-${suffix}"]`)).toBeVisible();
  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}`);
  await expect(page.locator("[data-testid=executions] tbody tr")).toHaveCount(2);
  await waitForHydration(page);

  // The succeeded execution: Pass and Choice succeeded, Done succeeded, Broken not reached.
  await page.locator(`tr[data-execution="good-${suffix}"] a`).first().click();
  await expect(page).toHaveURL(new RegExp(`/executions/${encodeURIComponent(good.executionArn)}$`));
  await expect(page.getByTestId("execution-status")).toHaveText("SUCCEEDED");
  await expect(page.locator('[data-state="Prepare"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator('[data-state="Decide"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator('[data-state="Done"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator('[data-state="Broken"]')).toHaveAttribute("data-status", "not-reached");
  const goodEvents = page.locator("[data-testid=events] tbody tr");
  await expect(goodEvents).toHaveCount(8);
  await expect(goodEvents.first()).toHaveAttribute("data-type", "ExecutionStarted");
  await expect(goodEvents.last()).toHaveAttribute("data-type", "ExecutionSucceeded");
  await expect(page.getByTestId("execution-output")).toContainText('"checked": true');
  await waitForHydration(page);

  // The events filter.
  await page.locator("#filter-type").selectOption("PassStateEntered");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/type=PassStateEntered/);
  await expect(page.locator("[data-testid=events] tbody tr")).toHaveCount(1);
  await expect(page.locator("[data-testid=events] tbody tr")).toContainText('"name": "Prepare"');

  // The failed execution: Broken failed, Done not reached; the cause is escaped text.
  await page.goto(`/executions/${encodeURIComponent(bad.executionArn)}`);
  await expect(page.getByTestId("execution-status")).toHaveText("FAILED");
  await expect(page.locator('[data-state="Prepare"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator('[data-state="Decide"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator('[data-state="Broken"]')).toHaveAttribute("data-status", "failed");
  await expect(page.locator('[data-state="Done"]')).toHaveAttribute("data-status", "not-reached");
  await expect(page.getByTestId("execution-error")).toHaveText("Order.Broken");
  await expect(page.getByTestId("execution-cause")).toHaveText('the <order> & its "items" were broken');
  const badEvents = page.locator("[data-testid=events] tbody tr");
  await expect(badEvents).toHaveCount(7);
  await expect(badEvents.last()).toHaveAttribute("data-type", "ExecutionFailed");
  await waitForHydration(page);

  // The export: the same events as GetExecutionHistory, in the CLI's printed form.
  const href = await page.getByTestId("export-history").getAttribute("href");
  expect(href).toBeTruthy();
  const exported = await request.get(href!);
  expect(exported.status()).toBe(200);
  expect(exported.headers()["content-disposition"]).toContain("attachment");
  const text = await exported.text();
  expect(text.startsWith('{\n    "events": [\n')).toBe(true);
  const exportedJson = JSON.parse(text);
  const api = await sfn(request, "GetExecutionHistory", { executionArn: bad.executionArn, maxResults: 1000 });
  expect(exportedJson.events.length).toBe(api.events.length);
  for (const [index, event] of exportedJson.events.entries()) {
    const { timestamp, ...rest } = event;
    const { timestamp: apiTimestamp, ...apiRest } = api.events[index];
    expect(rest).toEqual(apiRest);
    expect(Date.parse(timestamp) / 1000).toBeCloseTo(apiTimestamp, 3);
    expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
  }
  expect(exportedJson.events.at(-1).executionFailedEventDetails.error).toBe("Order.Broken");

  expect(problems).toEqual([]);
});
