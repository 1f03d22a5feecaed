// A Distributed Map's Map Run and the actual cost of recorded executions: the parent
// execution's page shows its billed transitions and links to its Map Run; the Map Run page
// shows the counts DescribeMapRun gives, the tolerated failures and the child executions
// (two pages of them), each linking to its execution; the state machine's cost per day counts
// the parent's and the children's transitions.
import { expect, test } from "@playwright/test";

import { createMachine, sfn, waitForEnd, waitForHydration, watchForProblems } from "./execution-support";

/// 52 items: the last one fails, which ToleratedFailureCount 1 allows.
const ITEMS = Array.from({ length: 52 }, (_, index) => (index === 51 ? { n: index + 1, fail: true } : { n: index + 1 }));

const DEFINITION = {
  QueryLanguage: "JSONata",
  StartAt: "Fan",
  States: {
    Fan: {
      Type: "Map",
      Items: ITEMS,
      ToleratedFailureCount: 1,
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "Check",
        States: {
          Check: {
            Type: "Choice",
            QueryLanguage: "JSONata",
            Choices: [{ Condition: "{% $exists($states.input.fail) %}", Next: "Boom" }],
            Default: "Done",
          },
          Done: { Type: "Pass", End: true },
          Boom: { Type: "Fail", Error: "Item.Bad", Cause: "a bad item" },
        },
      },
      Next: "Finish",
    },
    Finish: { Type: "Succeed" },
  },
};

test("a Map Run's page lists its counts and child executions, and the cost counts transitions", async ({ page, request }) => {
  test.setTimeout(90_000);
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `fan-${suffix}`, DEFINITION);
  const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn, name: `run-${suffix}`, input: "{}" });
  expect(await waitForEnd(request, executionArn)).toBe("SUCCEEDED");
  const { mapRuns } = await sfn(request, "ListMapRuns", { executionArn });
  expect(mapRuns).toHaveLength(1);
  const mapRunArn: string = mapRuns[0].mapRunArn;

  // The parent: Fan and Finish entered, two transitions ($0.000025 each in us-east-1);
  // the children bill their own.
  await page.goto(`/executions/${encodeURIComponent(executionArn)}`);
  const cost = page.getByTestId("execution-cost");
  await expect(cost).toHaveAttribute("data-transitions", "2");
  await expect(cost).toContainText("This execution: 2 transitions, $0.000050");
  await waitForHydration(page);

  // Fan's state details link to the Map Run it started; Finish's have no such link.
  await page.locator('[data-state="Finish"]').click();
  await expect(page.getByTestId("state-details")).toHaveAttribute("data-state-details", "Finish");
  await expect(page.getByTestId("state-map-runs")).toHaveCount(0);
  await page.locator('[data-state="Fan"]').click();
  await expect(page.getByTestId("state-details")).toHaveAttribute("data-state-details", "Fan");
  const stateLink = page.getByTestId("state-map-runs").getByRole("link");
  await expect(stateLink).toHaveCount(1);
  await expect(page.getByTestId("state-map-runs")).toContainText("SUCCEEDED");
  await stateLink.click();
  await expect(page).toHaveURL(`/executions/map-runs/${encodeURIComponent(mapRunArn)}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Map Run Fan");
  await page.goBack();
  await expect(cost).toHaveAttribute("data-transitions", "2");
  await waitForHydration(page);

  // Its Map Runs, and the link to the one Fan started.
  const run = page.locator("[data-testid=map-runs] tr[data-map-state=Fan]");
  await expect(run).toContainText("SUCCEEDED");
  await run.getByRole("link").click();
  await expect(page).toHaveURL(`/executions/map-runs/${encodeURIComponent(mapRunArn)}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Map Run Fan");
  await expect(page.getByTestId("map-run-status")).toHaveText("SUCCEEDED");
  await expect(page.getByTestId("map-run-tolerated")).toHaveText("1 item");
  // A finished run's limits cannot change.
  await expect(page.getByTestId("map-run-limits")).toHaveCount(0);

  // The counts, as DescribeMapRun gives them.
  const described = await sfn(request, "DescribeMapRun", { mapRunArn });
  expect(described.executionCounts).toMatchObject({ succeeded: 51, failed: 1, total: 52 });
  for (const [kind, counts] of [["items", described.itemCounts], ["executions", described.executionCounts]]) {
    const row = page.locator(`[data-testid=map-run-counts] tr[data-counts=${kind}]`);
    for (const [cell, key] of [["pending", "pending"], ["running", "running"], ["succeeded", "succeeded"], ["failed", "failed"], ["aborted", "aborted"], ["timed_out", "timedOut"], ["total", "total"]]) {
      await expect(row.locator(`[data-count=${cell}]`), `${kind} ${cell}`).toHaveText(String(counts[key]));
    }
  }
  await expect(page.locator("[data-testid=map-run-counts] tr[data-counts=executions] [data-count=succeeded]")).toHaveText("51");

  // The children, 50 to a page, oldest first: the second page has the last two.
  const children = page.locator("[data-testid=map-run-children] tbody tr");
  await expect(children).toHaveCount(50);
  const firstPage = await children.evaluateAll((rows) => rows.map((row) => [row.getAttribute("data-execution"), row.getAttribute("data-status")]));
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/\?after=/);
  await expect(children).toHaveCount(2);
  await expect(page.getByRole("link", { name: "Next" })).toHaveCount(0);
  const secondPage = await children.evaluateAll((rows) => rows.map((row) => [row.getAttribute("data-execution"), row.getAttribute("data-status")]));
  const all = [...firstPage, ...secondPage];
  expect(new Set(all.map(([name]) => name)).size).toBe(52);
  expect(all.filter(([, status]) => status === "SUCCEEDED")).toHaveLength(51);
  const failed = all.filter(([, status]) => status === "FAILED");
  expect(failed).toHaveLength(1);

  // Open the failed child from the page it is on.
  const failedName = failed[0][0]!;
  if (!secondPage.some(([name]) => name === failedName)) {
    await page.getByRole("link", { name: "First" }).click();
    await expect(children).toHaveCount(50);
  }
  await page.locator(`[data-testid=map-run-children] tr[data-execution="${failedName}"] a`).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(failedName);
  await expect(page.getByTestId("execution-status")).toHaveText("FAILED");
  await expect(page.getByTestId("execution-error")).toHaveText("Item.Bad");
  // Check and Boom: two transitions.
  await expect(page.getByTestId("execution-cost")).toHaveAttribute("data-transitions", "2");
  // A child is redriven with its Map Run, as on AWS: the page says so and offers no button.
  await expect(page.getByTestId("redrive-by-map-run")).toContainText("redrive the parent execution");
  await expect(page.getByRole("button", { name: "Redrive execution" })).toHaveCount(0);

  // The state machine's cost today: one execution, 52 children, 2 + 52 × 2 = 106 transitions.
  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}`);
  const today = new Date().toISOString().slice(0, 10);
  const day = page.locator(`[data-testid=machine-cost] tr[data-day="${today}"]`);
  await expect(day.locator("[data-cell=executions]")).toHaveText("1");
  await expect(day.locator("[data-cell=child-executions]")).toHaveText("52");
  await expect(day.locator("[data-cell=transitions]")).toHaveText("106");
  await expect(day.locator("[data-cell=cost]")).toHaveText("$0.002650");
  await expect(page.locator(".machine-cost")).toContainText("not applied per day");

  expect(problems).toEqual([]);
});

test("an inline Map's details show its iterations, with no Map Run link", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `inline-${suffix}`, {
    StartAt: "Each",
    States: {
      Each: {
        Type: "Map",
        ItemsPath: "$.items",
        ItemProcessor: { StartAt: "Double", States: { Double: { Type: "Pass", End: true } } },
        End: true,
      },
    },
  });
  const { executionArn } = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `inline-${suffix}`,
    input: JSON.stringify({ items: [1, 2, 3] }),
  });
  expect(await waitForEnd(request, executionArn)).toBe("SUCCEEDED");
  await page.goto(`/executions/${encodeURIComponent(executionArn)}`);
  await waitForHydration(page);
  await expect(page.getByTestId("map-runs")).toHaveCount(0);
  await page.getByTestId("state-select").selectOption("Each");
  await expect(page.getByTestId("state-details")).toHaveAttribute("data-state-details", "Each");
  await expect(page.getByTestId("state-details")).toContainText("Entered once.");
  await expect(page.getByTestId("state-map-runs")).toHaveCount(0);
  // Its three iterations ran the state inside it.
  await page.getByTestId("state-select").selectOption("Double");
  await expect(page.getByTestId("state-details")).toContainText("Entered 3 times.");
  await expect(page.getByTestId("state-visit")).toHaveCount(3);

  expect(problems).toEqual([]);
});

test("a running Map Run's limits change from its page", async ({ page, request }) => {
  test.setTimeout(60_000);
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  // Four items, one child at a time, each waiting for a task token that never comes.
  const stateMachineArn = await createMachine(request, `limits-${suffix}`, {
    StartAt: "Each",
    States: {
      Each: {
        Type: "Map",
        ItemsPath: "$.items",
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "Wait",
          States: {
            Wait: {
              Type: "Task",
              Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              Parameters: { QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q", MessageBody: { "token.$": "$$.Task.Token" } },
              End: true,
            },
          },
        },
        End: true,
      },
    },
  });
  const { executionArn } = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `limits-${suffix}`,
    input: JSON.stringify({ items: [1, 2, 3, 4] }),
  });
  let mapRunArn = "";
  await expect.poll(async () => {
    const { mapRuns } = await sfn(request, "ListMapRuns", { executionArn });
    mapRunArn = mapRuns[0]?.mapRunArn ?? "";
    return mapRunArn;
  }).not.toBe("");

  await page.goto(`/executions/map-runs/${encodeURIComponent(mapRunArn)}`);
  await waitForHydration(page);
  await expect(page.getByTestId("map-run-status")).toHaveText("RUNNING");
  await expect(page.getByTestId("map-run-concurrency")).toHaveText("1");
  const form = page.getByTestId("map-run-limits");
  await expect(form.getByLabel("Max concurrency (0: no limit)")).toHaveAttribute("placeholder", "1");

  // Nothing filled in: refused, naming why.
  await form.getByRole("button", { name: "Update Map Run" }).click();
  await expect(form.getByRole("alert")).toHaveText("Limits: fill in at least one of the three");
  // The refusal is a 400 for that request (the browser logs it); nothing else went wrong.
  const refused = problems.splice(0);
  expect(refused).toHaveLength(2);
  for (const problem of refused) {
    expect(problem).toMatch(/HTTP 400 for .*\/api\/executions\/update-map-run|status of 400/);
  }

  // Three at once, and two failed items tolerated: the page shows the new limits.
  await form.getByLabel("Max concurrency (0: no limit)").fill("3");
  await form.getByLabel("Tolerated failure count").fill("2");
  await form.getByRole("button", { name: "Update Map Run" }).click();
  await expect(page.getByTestId("map-run-concurrency")).toHaveText("3");
  await expect(page.getByTestId("map-run-tolerated")).toHaveText("2 items");
  await expect(form.getByRole("alert")).toHaveCount(0);
  const described = await sfn(request, "DescribeMapRun", { mapRunArn });
  expect(described).toMatchObject({ maxConcurrency: 3, toleratedFailureCount: 2 });
  // Three children run now.
  await expect.poll(async () => (await sfn(request, "DescribeMapRun", { mapRunArn })).executionCounts.running).toBe(3);
  await page.reload();
  await expect(page.locator("[data-testid=map-run-counts] tr[data-counts=executions] [data-count=running]")).toHaveText("3");

  await sfn(request, "StopExecution", { executionArn });
  expect(problems).toEqual([]);
});

test("a running Map Run's page follows its child executions live, keeping what is typed in its form", async ({ page, request }) => {
  test.setTimeout(60_000);
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  // Five items, one child at a time, each waiting two seconds: about ten seconds in all.
  const stateMachineArn = await createMachine(request, `follow-${suffix}`, {
    StartAt: "Each",
    States: {
      Each: {
        Type: "Map",
        ItemsPath: "$.items",
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "Nap",
          States: { Nap: { Type: "Wait", Seconds: 2, End: true } },
        },
        Next: "After",
      },
      After: { Type: "Wait", Seconds: 2, End: true },
    },
  });
  const { executionArn } = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `follow-${suffix}`,
    input: JSON.stringify({ items: [1, 2, 3, 4, 5] }),
  });
  let mapRunArn = "";
  await expect.poll(async () => {
    const { mapRuns } = await sfn(request, "ListMapRuns", { executionArn });
    mapRunArn = mapRuns[0]?.mapRunArn ?? "";
    return mapRunArn;
  }).not.toBe("");

  await page.goto(`/executions/map-runs/${encodeURIComponent(mapRunArn)}`);
  await waitForHydration(page);
  await expect(page.getByTestId("map-run-status")).toHaveText("RUNNING");
  const succeeded = page.locator("[data-testid=map-run-counts] tr[data-counts=executions] [data-count=succeeded]");
  const before = Number(await succeeded.textContent());
  // The operator starts typing a new limit while children keep ending.
  const concurrency = page.getByTestId("map-run-limits").getByLabel("Max concurrency (0: no limit)");
  await concurrency.fill("4");
  // While a field has the focus the page holds still (a redraw would take the focus away);
  // once the operator looks elsewhere, it catches up.
  await page.getByRole("heading", { level: 1 }).click();
  // Without a reload, the counts move on as children end, and the typed value stays.
  await expect.poll(async () => Number(await succeeded.textContent()), { timeout: 8_000 }).toBeGreaterThan(before);
  await expect(page.getByTestId("map-run-status")).toHaveText("RUNNING");
  await expect(concurrency).toHaveValue("4");
  // The run ends while its parent goes on (its next state waits): the page says so.
  await expect(page.getByTestId("map-run-status")).toHaveText("SUCCEEDED", { timeout: 20_000 });
  await expect(succeeded).toHaveText("5");
  await expect(page.locator("[data-testid=map-run-counts] tr[data-counts=executions] [data-count=running]")).toHaveText("0");
  expect(await waitForEnd(request, executionArn)).toBe("SUCCEEDED");
  expect(problems).toEqual([]);
});
