// One execution's states: the graph's colours match the history (every state the history
// enters is coloured, the failed one is `failed`, the caught one `caught`, the rest
// `not-reached`); choosing a state (click, keyboard, list or timeline) shows its input,
// output, error, attempts and timings; the timeline draws one bar per state visit. A graph wider
// than the page opens scrolled to its failed state, follows a state chosen out of view and zooms to fit.
import { expect, test } from "@playwright/test";

import { createMachine, sfn, waitForEnd, waitForHydration, watchForProblems } from "./execution-support";

function definition(activityArn: string) {
  return {
    StartAt: "Prepare",
    States: {
      Prepare: { Type: "Pass", Result: { amount: 5 }, ResultPath: "$.prepared", Next: "Decide" },
      Decide: {
        Type: "Choice",
        Choices: [{ Variable: "$.skip", BooleanEquals: true, Next: "Unused" }],
        Default: "Work",
      },
      Unused: { Type: "Succeed" },
      Work: {
        Type: "Task",
        Resource: activityArn,
        ResultPath: "$.work",
        Retry: [{ ErrorEquals: ["Worker.Flaky"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
        Next: "Try",
      },
      Try: {
        Type: "Parallel",
        Branches: [{ StartAt: "Boom", States: { Boom: { Type: "Fail", Error: "Custom.Boom", Cause: "inner" } } }],
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.caught", Next: "Recover" }],
        Next: "Unused",
      },
      Recover: { Type: "Pass", Next: "Finally" },
      Finally: { Type: "Fail", Error: "Final.Error", Cause: "gave up" },
    },
  };
}

/// Takes the next task of the activity (long polls until there is one).
async function takeTask(request: any, activityArn: string): Promise<string> {
  for (;;) {
    const work = await sfn(request, "GetActivityTask", { activityArn, workerName: "test" });
    if (work.taskToken) {
      return work.taskToken;
    }
  }
}

test("the graph, the state details and the timeline follow the history", async ({ page, request }) => {
  test.setTimeout(90_000);
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const { activityArn } = await sfn(request, "CreateActivity", { name: `flaky-${suffix}` });
  const stateMachineArn = await createMachine(request, `states-${suffix}`, definition(activityArn));
  const { executionArn } = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `run-${suffix}`,
    input: JSON.stringify({ order: 1, skip: false }),
  });
  // The worker fails once (retried after a second), then succeeds.
  await sfn(request, "SendTaskFailure", { taskToken: await takeTask(request, activityArn), error: "Worker.Flaky", cause: "try again" });
  await sfn(request, "SendTaskSuccess", { taskToken: await takeTask(request, activityArn), output: JSON.stringify({ done: true }) });
  expect(await waitForEnd(request, executionArn)).toBe("FAILED");
  const { events } = await sfn(request, "GetExecutionHistory", { executionArn, maxResults: 1000 });
  const entered = events.filter((event: any) => event.type.endsWith("StateEntered"));
  const enteredNames = new Set<string>(entered.map((event: any) => event.stateEnteredEventDetails.name));

  await page.goto(`/executions/${encodeURIComponent(executionArn)}`);
  // A failed execution opens on the state it failed in (not on Boom, whose failure was caught).
  await expect(page.getByTestId("state-details")).toHaveAttribute("data-state-details", "Finally");
  await expect(page.getByTestId("state-select")).toHaveValue("Finally");
  await expect(page.getByTestId("state-details").getByTestId("state-error")).toHaveText("Final.Error");
  // Every state of the definition: coloured when the history entered it, not reached otherwise.
  const nodes = page.locator("[data-testid=graph] [data-state]");
  await expect(nodes).toHaveCount(8);
  for (const node of await nodes.all()) {
    const name = (await node.getAttribute("data-state"))!;
    const status = await node.getAttribute("data-status");
    if (enteredNames.has(name)) {
      expect(status, name).not.toBe("not-reached");
    } else {
      expect(status, name).toBe("not-reached");
    }
  }
  expect([...enteredNames].sort()).toEqual(["Boom", "Decide", "Finally", "Prepare", "Recover", "Try", "Work"]);
  await expect(page.locator('[data-state="Finally"]')).toHaveAttribute("data-status", "failed");
  await expect(page.locator('[data-state="Boom"]')).toHaveAttribute("data-status", "failed");
  await expect(page.locator('[data-state="Try"]')).toHaveAttribute("data-status", "caught");
  await expect(page.locator('[data-state="Work"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator('[data-state="Unused"]')).toHaveAttribute("data-status", "not-reached");

  // The timeline: one bar per state entered, in the history's order.
  const bars = page.locator("[data-testid=timeline] [data-timeline-state]");
  await expect(bars).toHaveCount(entered.length);
  const barNames = await bars.evaluateAll((elements) => elements.map((element) => element.getAttribute("data-timeline-state")));
  expect(barNames).toEqual(entered.map((event: any) => event.stateEnteredEventDetails.name));
  await waitForHydration(page);

  // Click a state on the graph: its input and output.
  await page.locator('[data-state="Prepare"]').click();
  const details = page.getByTestId("state-details");
  await expect(details).toHaveAttribute("data-state-details", "Prepare");
  await expect(details.getByTestId("state-input")).toContainText('"order": 1');
  await expect(details.getByTestId("state-output")).toContainText('"amount": 5');
  await expect(page.locator('[data-state="Prepare"]')).toHaveClass(/selected/);

  // From the list (keyboard users): the retried Task's attempts, error, timings and output.
  await page.getByTestId("state-select").selectOption("Work");
  await expect(details).toHaveAttribute("data-state-details", "Work");
  await expect(details.getByTestId("state-attempts")).toHaveText("2 (1 retry)");
  await expect(details.getByTestId("state-error")).toHaveText("Worker.Flaky");
  await expect(details.getByTestId("state-output")).toContainText('"done": true');
  const workEntered = entered.find((event: any) => event.stateEnteredEventDetails.name === "Work");
  await expect(details.getByTestId("state-entered")).toHaveText(new Date(Math.round(workEntered.timestamp * 1000)).toISOString());
  await expect(details.getByTestId("state-exited")).toHaveText(/^\d{4}-\d\d-\d\dT/);
  await expect(details.getByTestId("state-duration")).toHaveText(/^\d+\.\d{3} s$/);

  // The failed state: its error and cause; a state never entered says so.
  await page.locator("[data-testid=timeline] [data-timeline-state=Finally] rect").click();
  await expect(details).toHaveAttribute("data-state-details", "Finally");
  // The execution ended inside it: no exit, but an end, not a state still running.
  await expect(details.getByTestId("state-exited")).toHaveText(/^never: the execution failed inside it, \d{4}-\d\d-\d\dT/);
  await expect(details.getByTestId("state-duration")).toHaveText(/^\d+\.\d{3} s$/);
  await expect(page.locator("[data-testid=timeline] [data-timeline-state=Finally]")).toHaveClass(/bar-failed/);
  await page.getByTestId("state-select").selectOption("Unused");
  await expect(details).toContainText("Not entered in this execution.");

  // The keyboard on the graph: focus a state and press Enter.
  await page.locator('[data-state="Recover"]').focus();
  await page.keyboard.press("Enter");
  await expect(details).toHaveAttribute("data-state-details", "Recover");
  await expect(details.getByTestId("state-input")).toContainText('"caught"');

  // Readable on a phone: tables and the timeline scroll in their own boxes, the page does not.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const path of [page.url(), "/executions"]) {
    await page.goto(path);
    await expect(page.locator("h1")).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
  }

  expect(problems).toEqual([]);
});

test("a wide graph opens scrolled to the failed state, follows a state chosen out of view, and zooms to fit", async ({ page, request }) => {
  // Eight branches side by side are wider than the page; the last one fails.
  const branch = (index: number, last: boolean) => ({
    StartAt: `Check inventory in warehouse number ${index}`,
    States: {
      [`Check inventory in warehouse number ${index}`]: last
        ? { Type: "Fail", Error: "Stock.Missing", Cause: "warehouse 8 is empty" }
        : { Type: "Pass", End: true },
    },
  });
  const machine = await createMachine(request, `wide-${Date.now().toString(36)}`, {
    StartAt: "Ask every warehouse",
    States: {
      "Ask every warehouse": { Type: "Parallel", Branches: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => branch(i, i === 8)), End: true },
    },
  });
  const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn: machine, input: "{}" });
  expect(await waitForEnd(request, executionArn)).toBe("FAILED");
  const problems = watchForProblems(page);
  await page.goto(`/executions/${encodeURIComponent(executionArn)}`);
  await waitForHydration(page);

  /// Whether a state's box lies wholly inside the graph's scrolling box.
  const inView = (name: string) =>
    page.evaluate((name) => {
      const scroller = document.querySelector('[data-testid="graph"]')!.parentElement!.getBoundingClientRect();
      const node = document.querySelector(`[data-testid="graph"] [data-state="${name}"] rect`)!.getBoundingClientRect();
      return node.left >= scroller.left && node.right <= scroller.right && node.top >= scroller.top && node.bottom <= scroller.bottom;
    }, name);
  const graphWidth = await page.getByTestId("graph").evaluate((svg) => svg.getBoundingClientRect().width);
  const boxWidth = await page.getByTestId("graph").evaluate((svg) => svg.parentElement!.clientWidth);
  expect(graphWidth, "the graph is wider than its box").toBeGreaterThan(boxWidth * 1.5);

  const failed = "Check inventory in warehouse number 8";
  await expect(page.locator(`[data-testid="graph"] [data-state="${failed}"]`)).toHaveAttribute("data-status", "failed");
  await expect.poll(() => inView(failed)).toBe(true);
  // Its details are open: the branch's state, not the Parallel that failed because of it.
  await expect(page.getByTestId("state-details")).toHaveAttribute("data-state-details", failed);
  // The page itself did not scroll down to the graph.
  expect(await page.evaluate(() => window.scrollY)).toBe(0);

  // The first branch is out of view; choosing it from the list brings it in.
  const first = "Check inventory in warehouse number 1";
  expect(await inView(first)).toBe(false);
  await page.getByTestId("state-select").selectOption(first);
  await expect.poll(() => inView(first)).toBe(true);

  // Fit shows the whole graph at once; Actual size goes back.
  await page.getByTestId("graph-fit").click();
  await expect(page.getByTestId("graph-zoom")).not.toHaveText("100%");
  for (let i = 1; i <= 8; i++) {
    await expect.poll(() => inView(`Check inventory in warehouse number ${i}`)).toBe(true);
  }
  await page.getByTestId("graph-zoom-in").click();
  const zoomedIn = Number((await page.getByTestId("graph-zoom").textContent())!.replace("%", ""));
  await page.getByTestId("graph-actual-size").click();
  await expect(page.getByTestId("graph-zoom")).toHaveText("100%");
  expect(zoomedIn).toBeLessThan(100);
  expect(await page.getByTestId("graph").evaluate((svg) => svg.getBoundingClientRect().width)).toBeCloseTo(graphWidth, 0);
  expect(problems).toEqual([]);
});

test("a state still running shows how long it has run by the clock, not by its last event", async ({ page, request }) => {
  test.setTimeout(60_000);
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  // A task that waits for its callback records no event while it waits.
  const stateMachineArn = await createMachine(request, `waiting-${suffix}`, {
    StartAt: "AwaitCallback",
    States: {
      AwaitCallback: {
        Type: "Task",
        Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        Parameters: {
          QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/not-an-approval-channel",
          MessageBody: { "token.$": "$$.Task.Token" },
        },
        End: true,
      },
    },
  });
  const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn, name: `waits-${suffix}`, input: "{}" });
  // Its last event is at most a moment after the start; the reader comes a few seconds later.
  await page.waitForTimeout(3_000);
  await page.goto(`/executions/${encodeURIComponent(executionArn)}?state=AwaitCallback`);
  await waitForHydration(page);
  const seconds = async (locator: any) => parseFloat((await locator.textContent()) ?? "");
  const duration = page.getByTestId("state-details").getByTestId("state-duration");
  await expect(duration).toContainText("so far");
  await expect.poll(() => seconds(duration)).toBeGreaterThanOrEqual(3);
  // It keeps counting while the page stays open, and so does the timeline's axis.
  await expect.poll(() => seconds(duration), { timeout: 5_000 }).toBeGreaterThanOrEqual(5);
  await expect.poll(() => seconds(page.getByTestId("timeline-end")), { timeout: 5_000 }).toBeGreaterThanOrEqual(5);
  await sfn(request, "StopExecution", { executionArn });
  expect(problems).toEqual([]);
});
