// Execution views end to end: a state machine (Pass → Choice → Succeed | Fail) is created and
// run twice through the Step Functions API; the list shows both executions with their
// statuses, each execution's page colours its graph from the history, lists its events, and
// exports the history as `aws stepfunctions get-execution-history` prints it.
import { expect, test } from "@playwright/test";

import { createMachine, sfn, waitForEnd, waitForHydration, watchForProblems } from "./execution-support";

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
  // When it stopped: the time alone on the day it started, the whole date as the cell's title.
  const goodRow = page.locator(`tr[data-execution="good-${suffix}"]`);
  const stopped = goodRow.locator('td[data-label="Stopped"]');
  const stopDate = (await stopped.getAttribute("title")) ?? "";
  expect(stopDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const startDate = (await goodRow.locator('td[data-label="Started"]').textContent()) ?? "";
  await expect(stopped).toHaveText(startDate.slice(0, 10) === stopDate.slice(0, 10) ? stopDate.slice(11) : stopDate);

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

test("failure patterns group failed executions, list one pattern's executions, and follow new failures", async ({
  page,
  request,
}) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  // $.kind: "stock" fails in a Parallel's branch (the pattern names the Parallel), "order"
  // fails at Reject with the cause the input gives, anything else succeeds.
  const failing = {
    StartAt: "Route",
    States: {
      Route: {
        Type: "Choice",
        Choices: [
          { Variable: "$.kind", StringEquals: "stock", Next: "Checks" },
          { Variable: "$.kind", StringEquals: "order", Next: "Reject" },
        ],
        Default: "Done",
      },
      Checks: {
        Type: "Parallel",
        End: true,
        Branches: [
          {
            StartAt: "Stock",
            States: { Stock: { Type: "Fail", Error: "Stock.Missing", Cause: "item <b>17</b> & more missing" } },
          },
        ],
      },
      Reject: { Type: "Fail", Error: "Order.Rejected", CausePath: "$.cause" },
      Done: { Type: "Succeed" },
    },
  };
  const { stateMachineArn } = await sfn(request, "CreateStateMachine", {
    name: `patterns-${suffix}`,
    definition: JSON.stringify(failing),
    roleArn: "arn:aws:iam::123456789012:role/statehouse",
  });
  const arns: Record<string, string> = {};
  const run = async (name: string, input: object) => {
    const { executionArn } = await sfn(request, "StartExecution", {
      stateMachineArn,
      name: `${name}-${suffix}`,
      input: JSON.stringify(input),
    });
    arns[name] = executionArn;
    return waitForEnd(request, executionArn);
  };
  for (const order of [101, 202, 303]) {
    expect(await run(`order-${order}`, { kind: "order", cause: `order ${order} rejected by the warehouse` })).toBe(
      "FAILED",
    );
  }
  expect(await run("stock-1", { kind: "stock" })).toBe("FAILED");
  expect(await run("fine-1", { kind: "none" })).toBe("SUCCEEDED");

  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}`);
  const section = page.getByTestId("failure-patterns");
  await expect(page.getByTestId("failure-summary")).toContainText("4 failed executions in 2 patterns");
  const rows = section.locator("tbody tr");
  await expect(rows).toHaveCount(2);
  const rejected = rows.nth(0);
  await expect(rejected).toHaveAttribute("data-error", "Order.Rejected");
  await expect(rejected).toHaveAttribute("data-state", "Reject");
  await expect(rejected).toHaveAttribute("data-count", "3");
  // Causes that differ only in their numbers are one, shown by the latest.
  await expect(rejected.locator("li[data-cause-count]")).toHaveCount(1);
  await expect(rejected.locator("li[data-cause-count]")).toHaveAttribute("data-cause-count", "3");
  await expect(rejected.locator("li[data-cause-count] code")).toHaveText("order 303 rejected by the warehouse");
  const stock = rows.nth(1);
  await expect(stock).toHaveAttribute("data-state", "Checks");
  await expect(stock).toHaveAttribute("data-count", "1");
  // Untrusted text is text.
  await expect(stock.locator("code").last()).toHaveText("item <b>17</b> & more missing");
  await expect(stock.locator("b")).toHaveCount(0);
  await waitForHydration(page);
  await expect(page.getByTestId("live")).toHaveAttribute("data-live", "on");

  // A new failure of the same kind is counted without a reload.
  expect(await run("order-404", { kind: "order", cause: "order 404 rejected by the warehouse" })).toBe("FAILED");
  await expect(rejected).toHaveAttribute("data-count", "4");
  await expect(rejected.locator("li[data-cause-count] code")).toHaveText("order 404 rejected by the warehouse");

  // An execution's page links to the others that failed with its error.
  await page.goto(`/executions/${encodeURIComponent(arns["stock-1"])}`);
  await page.getByTestId("same-error").click();
  await expect(page).toHaveURL(/error=Stock\.Missing/);
  await expect(page.locator("[data-testid=executions] tbody tr")).toHaveCount(1);
  await expect(page.locator(`tr[data-execution="stock-1-${suffix}"]`)).toBeVisible();
  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}`);
  await waitForHydration(page);

  // "List them": the list of that pattern's executions, by its error.
  await rejected.getByRole("link", { name: "List them" }).click();
  await expect(page).toHaveURL(/error=Order\.Rejected/);
  await expect(page.locator("#filter-error")).toHaveValue("Order.Rejected");
  const listed = page.locator("[data-testid=executions] tbody tr");
  await expect(listed).toHaveCount(4);
  for (const name of await listed.evaluateAll((rows) => rows.map((row) => row.getAttribute("data-execution")))) {
    expect(name).toMatch(/^order-/);
  }
  await expect(page.getByTestId("failure-patterns").locator("tbody tr")).toHaveCount(1);

  // Redrive the pattern (after the cause was fixed, an operator would): it asks first, then
  // redrives each Standard execution; the Fail state fails them again, so they come back.
  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}`);
  await waitForHydration(page);
  const pattern = page.getByTestId("failure-patterns").locator('tr[data-error="Order.Rejected"]');
  await pattern.getByTestId("pattern-redrive").click();
  await expect(pattern).toContainText("Redrive 4 Standard executions?");
  await pattern.getByTestId("pattern-redrive-confirm").click();
  await expect(page.getByTestId("pattern-redrive-outcome")).toHaveText("Redrove 4 executions.");
  for (const name of ["order-101", "order-404"]) {
    const described = await sfn(request, "DescribeExecution", { executionArn: arns[name] });
    expect(described.redriveCount).toBe(1);
    expect(await waitForEnd(request, arns[name])).toBe("FAILED");
  }
  // The stock pattern was left alone.
  const stockAgain = await sfn(request, "DescribeExecution", { executionArn: arns["stock-1"] });
  expect(stockAgain.redriveCount ?? 0).toBe(0);

  // Only succeeded executions: no failures, no section.
  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}&status=SUCCEEDED`);
  await expect(page.locator("[data-testid=executions] tbody tr")).toHaveCount(1);
  await expect(page.getByTestId("failure-patterns")).toHaveCount(0);

  expect(problems).toEqual([]);
});

test("a long cause keeps its failure pattern one row high, and the whole cause is a hover away", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const { stateMachineArn } = await sfn(request, "CreateStateMachine", {
    name: `long-cause-${suffix}`,
    definition: JSON.stringify({
      StartAt: "Crash",
      States: { Crash: { Type: "Fail", Error: "Lambda.Unknown", CausePath: "$.trace" } },
    }),
    roleArn: "arn:aws:iam::123456789012:role/statehouse",
  });
  // A stack trace as a Lambda function's failure gives it: long, with long unbroken words.
  const trace = Array.from({ length: 30 }, (_, i) => `at com.example.orders.Handler${i}.handleRequest(Handler${i}.java:${i})`).join("\n");
  const { executionArn } = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `crash-${suffix}`,
    input: JSON.stringify({ trace }),
  });
  expect(await waitForEnd(request, executionArn)).toBe("FAILED");

  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}`);
  const row = page.getByTestId("failure-patterns").locator('tr[data-error="Lambda.Unknown"]');
  const cause = row.locator("li[data-cause-count]");
  // The page shows the cause's first lines; the title holds what the page keeps of it.
  await expect(cause).toHaveAttribute("title", /^at com\.example\.orders\.Handler0\.handleRequest/);
  expect((await cause.getAttribute("title"))!.length).toBeGreaterThan(300);
  const rowBox = await row.boundingBox();
  expect(rowBox!.height).toBeLessThan(160);
  // Every column keeps its text inside the table: nothing is pushed off to the right.
  const table = await row.locator("xpath=ancestor::table").boundingBox();
  const lastFailed = await row.locator('td[data-label="Last failed"] a').boundingBox();
  expect(lastFailed!.x + lastFailed!.width).toBeLessThanOrEqual(table!.x + table!.width + 1);
  // The executions themselves stay within the first screen and a half.
  const list = await page.getByTestId("executions").boundingBox();
  expect(list!.y).toBeLessThan(1350);

  expect(problems).toEqual([]);
});

test("one state machine's list starts an execution with a name and an input, then opens its page", async ({
  page,
  request,
}) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `starts-${suffix}`, {
    StartAt: "Echo",
    States: { Echo: { Type: "Pass", End: true } },
  });
  // Only a state machine of the API can be started here (a designer's test runs name others).
  const unknown = stateMachineArn.replace(`starts-${suffix}`, `never-created-${suffix}`);
  await page.goto(`/executions?machine=${encodeURIComponent(unknown)}`);
  await expect(page.getByTestId("executions-summary")).toHaveText("No executions match.");
  await expect(page.getByTestId("start-execution")).toHaveCount(0);
  await expect(page.getByTestId("open-in-designer")).toHaveCount(0);

  await page.goto(`/executions?machine=${encodeURIComponent(stateMachineArn)}`);
  await waitForHydration(page);
  const panel = page.getByTestId("start-execution");
  await panel.locator("summary").click();
  // What is typed survives the list following a new execution live.
  await panel.getByLabel("Input (JSON)").fill('{"typed": true}');
  await sfn(request, "StartExecution", { stateMachineArn, name: `elsewhere-${suffix}` });
  await expect(page.locator(`tr[data-execution="elsewhere-${suffix}"]`)).toBeVisible();
  await expect(panel.getByLabel("Input (JSON)")).toHaveValue('{"typed": true}');

  // What the API would refuse is refused here, naming the field or AWS's error.
  await panel.getByLabel("Input (JSON)").fill("{order: 7}");
  await panel.getByRole("button", { name: "Start execution" }).click();
  await expect(panel.getByRole("alert")).toContainText("Input: not valid JSON");
  await panel.getByLabel("Input (JSON)").fill('{"order": 7}');
  await panel.getByLabel("Name (optional)").fill("two words");
  await panel.getByRole("button", { name: "Start execution" }).click();
  await expect(panel.getByRole("alert")).toContainText("InvalidName");
  // Those two answered 400 (the request's fault); nothing else went wrong.
  expect(problems.filter((problem) => !problem.includes("/api/executions/start"))).toEqual([]);
  problems.length = 0;

  await panel.getByLabel("Name (optional)").fill(`first-${suffix}`);
  await panel.getByRole("button", { name: "Start execution" }).click();
  const executionArn = `${stateMachineArn.replace(":stateMachine:", ":execution:")}:first-${suffix}`;
  await expect(page).toHaveURL(new RegExp(`/executions/${encodeURIComponent(executionArn)}$`));
  await expect(page.getByTestId("execution-status")).toHaveText("SUCCEEDED");
  const described = await sfn(request, "DescribeExecution", { executionArn });
  expect(JSON.parse(described.output)).toEqual({ order: 7 });

  // Its state machine opens in the designer from here; the address then forgets the request,
  // so a reload keeps what the designer has.
  await page.getByTestId("open-in-designer").click();
  await expect(page.locator('[data-state="Echo"]')).toBeVisible();
  await expect(page.locator('[data-state-type="Pass"]')).toHaveCount(1);
  await expect(page).toHaveURL(/\/designer$/);
  expect(problems).toEqual([]);
});
