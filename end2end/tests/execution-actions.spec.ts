// The execution page's actions: answering a task token from the "waiting for callback" panel
// (Send success with output, Send failure for an activity), Stop with an error and a cause,
// then Redrive; and the cross-site check that protects these POSTs.
import { expect, test } from "@playwright/test";

import { createMachine, sfn, waitForEnd, waitForHydration, watchForProblems } from "./execution-support";

const queue = "https://sqs.us-east-1.amazonaws.com/123456789012/developer-queue";

const callback = {
  StartAt: "Ask",
  States: {
    Ask: {
      Type: "Task",
      Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      Parameters: { QueueUrl: queue, MessageBody: { "token.$": "$$.Task.Token" } },
      ResultPath: "$.answer",
      End: true,
    },
  },
};

const executionPage = (arn: string) => `/executions/${encodeURIComponent(arn)}`;

test("Send success answers a waiting task and the page shows the output", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `callback-${suffix}`, callback);
  const { executionArn } = await sfn(request, "StartExecution", {
    stateMachineArn,
    name: `asks-${suffix}`,
    input: JSON.stringify({ order: 7 }),
  });
  // The token the task was given, as the history records it.
  let token = "";
  await expect
    .poll(async () => {
      const { events } = await sfn(request, "GetExecutionHistory", { executionArn });
      const scheduled = events.find((event: any) => event.type === "TaskScheduled");
      token = scheduled ? JSON.parse(scheduled.taskScheduledEventDetails.parameters).MessageBody.token : "";
      return token;
    })
    .not.toBe("");

  await page.goto(executionPage(executionArn));
  await expect(page.getByTestId("execution-status")).toHaveText("RUNNING");
  const panel = page.getByTestId("callbacks");
  await expect(panel.getByRole("heading", { name: "Waiting for callback" })).toBeVisible();
  await expect(panel.locator('[data-callback-state="Ask"]')).toContainText("Callback (.waitForTaskToken)");
  await expect(panel.getByTestId("task-token")).toHaveText(token);
  await expect(page.locator('[data-state="Ask"]')).toHaveAttribute("data-status", "running");
  await waitForHydration(page);

  // A cross-site POST to the same server function is refused and changes nothing.
  const forged = await request.post("/api/executions/send-success", {
    headers: { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
    form: { token, output: '{"forged": true}' },
  });
  expect(forged.status()).toBe(403);
  expect((await sfn(request, "DescribeExecution", { executionArn })).status).toBe("RUNNING");

  // Output that is not JSON is refused with the field and the reason.
  await panel.getByLabel("Output (JSON)").fill("{oops");
  await panel.getByRole("button", { name: "Send success" }).click();
  await expect(page.getByRole("alert")).toContainText("Output: not valid JSON");
  await expect(page.getByTestId("execution-status")).toHaveText("RUNNING");
  // The refusal is a 400 for that request (the browser logs it); nothing else went wrong.
  const refused = problems.splice(0);
  expect(refused).toHaveLength(2);
  for (const problem of refused) {
    expect(problem).toMatch(/HTTP 400 for .*\/api\/executions\/send-success|status of 400/);
  }

  // A second refusal replaces the first: only the latest action's alert is shown.
  await panel.getByLabel("Cause").fill("x".repeat(32_769));
  await panel.getByRole("button", { name: "Send failure" }).click();
  await expect(page.getByRole("alert")).toContainText("Cause: must be at most 32768 characters, not 32769");
  await expect(page.getByRole("alert")).toHaveCount(1);
  await expect(page.getByRole("alert")).not.toContainText("Output");
  await expect(page.getByTestId("execution-status")).toHaveText("RUNNING");
  const refusedAgain = problems.splice(0);
  expect(refusedAgain).toHaveLength(2);
  for (const problem of refusedAgain) {
    expect(problem).toMatch(/HTTP 400 for .*\/api\/executions\/send-failure|status of 400/);
  }

  await panel.getByLabel("Output (JSON)").fill('{"approved": true, "by": "<dev> & co"}');
  await panel.getByRole("button", { name: "Send success" }).click();
  await expect(page.getByTestId("execution-status")).toHaveText("SUCCEEDED");
  await expect(page.getByTestId("execution-output")).toContainText('"approved": true');
  await expect(page.getByTestId("execution-output")).toContainText('"by": "<dev> & co"');
  await expect(page.getByTestId("callbacks")).toHaveCount(0);
  await expect(page.locator('[data-state="Ask"]')).toHaveAttribute("data-status", "succeeded");
  expect(await waitForEnd(request, executionArn)).toBe("SUCCEEDED");
  const described = await sfn(request, "DescribeExecution", { executionArn });
  expect(JSON.parse(described.output).answer).toEqual({ approved: true, by: "<dev> & co" });

  expect(problems).toEqual([]);
});

test("Send failure fails an activity's task", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const { activityArn } = await sfn(request, "CreateActivity", { name: `worker-${suffix}` });
  const stateMachineArn = await createMachine(request, `activity-${suffix}`, {
    StartAt: "Work",
    States: { Work: { Type: "Task", Resource: activityArn, End: true } },
  });
  const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn, name: `works-${suffix}` });

  await page.goto(executionPage(executionArn));
  const panel = page.getByTestId("callbacks");
  await expect(panel.locator('[data-callback-state="Work"]')).toContainText(
    "Activity · no worker has taken it yet; an answer here stands in for one",
  );
  await waitForHydration(page);
  await panel.getByLabel("Error").fill("Worker.Broke");
  await panel.getByLabel("Cause").fill("the worker gave up");
  await panel.getByRole("button", { name: "Send failure" }).click();
  await expect(page.getByTestId("execution-status")).toHaveText("FAILED");
  await expect(page.getByTestId("execution-error")).toHaveText("Worker.Broke");
  await expect(page.getByTestId("execution-cause")).toHaveText("the worker gave up");
  await expect(page.locator('[data-state="Work"]')).toHaveAttribute("data-status", "failed");
  expect(await waitForEnd(request, executionArn)).toBe("FAILED");
  // The answer stood in for a worker: the history shows the activity started, then failed.
  const { events } = await sfn(request, "GetExecutionHistory", { executionArn });
  expect(events.map((event: { type: string }) => event.type).filter((type: string) => type.startsWith("Activity")))
    .toEqual(["ActivityScheduled", "ActivityStarted", "ActivityFailed"]);

  expect(problems).toEqual([]);
});

test("Stop aborts a running execution and Redrive resumes it", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `stop-${suffix}`, {
    StartAt: "Pause",
    States: { Pause: { Type: "Wait", Seconds: 600, End: true } },
  });
  const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn, name: `long-${suffix}` });

  await page.goto(executionPage(executionArn));
  await expect(page.getByTestId("execution-status")).toHaveText("RUNNING");
  await expect(page.getByTestId("redrive-panel")).toHaveCount(0);
  await waitForHydration(page);
  const stop = page.getByTestId("stop-panel");
  // Two steps: the form opens first.
  await expect(stop.getByLabel("Error")).toBeHidden();
  await stop.getByText("Stop execution…").click();
  await stop.getByLabel("Error").fill("Manual.Stop");
  await stop.getByLabel("Cause").fill("stopped from the <page>");
  await stop.getByRole("button", { name: "Stop now" }).click();
  await expect(page.getByTestId("execution-status")).toHaveText("ABORTED");
  await expect(page.getByTestId("execution-error")).toHaveText("Manual.Stop");
  await expect(page.getByTestId("execution-cause")).toHaveText("stopped from the <page>");
  await expect(page.getByTestId("stop-panel")).toHaveCount(0);
  const aborted = await sfn(request, "DescribeExecution", { executionArn });
  expect(aborted.status).toBe("ABORTED");
  expect(aborted.error).toBe("Manual.Stop");

  await page.getByRole("button", { name: "Redrive execution" }).click();
  await expect(page.getByTestId("execution-status")).toHaveText("RUNNING");
  await expect(page.locator('[data-testid=events] tbody tr[data-type="ExecutionRedriven"]')).toHaveCount(1);
  const redriven = await sfn(request, "DescribeExecution", { executionArn });
  expect(redriven.status).toBe("RUNNING");
  expect(redriven.redriveCount).toBe(1);

  // Stopped again through the API, the open page follows without a reload.
  await sfn(request, "StopExecution", { executionArn });
  await expect(page.getByTestId("execution-status")).toHaveText("ABORTED");

  expect(problems).toEqual([]);
});

test("a redrive that fails again at once still shows that it happened", async ({ page, request }) => {
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const stateMachineArn = await createMachine(request, `refail-${suffix}`, {
    StartAt: "Broken",
    States: { Broken: { Type: "Fail", Error: "Still.Broken", Cause: "not fixed yet" } },
  });
  const { executionArn } = await sfn(request, "StartExecution", { stateMachineArn, name: `refail-${suffix}` });
  expect(await waitForEnd(request, executionArn)).toBe("FAILED");

  await page.goto(executionPage(executionArn));
  await expect(page.getByTestId("execution-redriven")).toHaveCount(0);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Redrive execution" }).click();
  // The status reads FAILED before and after: the facts say it was redriven, and when.
  const redriven = page.getByTestId("execution-redriven");
  await expect(redriven).toHaveText(/^once, last at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  await expect(page.getByTestId("execution-status")).toHaveText("FAILED");
  expect((await sfn(request, "DescribeExecution", { executionArn })).redriveCount).toBe(1);
  await page.getByRole("button", { name: "Redrive execution" }).click();
  await expect(redriven).toHaveText(/^2 times, last at /);
  expect(problems).toEqual([]);
});
