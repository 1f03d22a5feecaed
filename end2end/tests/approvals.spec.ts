// Approvals end to end: an execution waits on a .waitForTaskToken task to the approval channel
// that `cargo xtask test` configures (statehouse.toml in the fresh data folder, no SMTP, so mail
// lands in the dev mailbox); the browser follows the mailed link and decides; the execution
// resumes (approved) or takes its Catch path (rejected); the inbox lists both with their audit
// trails, and a request's page draws its execution's graph (the approval state waiting before
// the decision). Everything goes through the real server: the Step Functions API, the approver's
// pages and the app.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

import { watchForProblems } from "./execution-support";

const queueUrl = process.env.APPROVAL_QUEUE_URL;
if (!queueUrl) {
  throw new Error("APPROVAL_QUEUE_URL is not set: run the browser tests with `cargo xtask test`");
}

/// Calls one Step Functions action on the server under test and returns its JSON answer.
async function sfn(request: APIRequestContext, action: string, body: object): Promise<any> {
  const response = await request.post("/", {
    headers: {
      "X-Amz-Target": `AWSStepFunctions.${action}`,
      "Content-Type": "application/x-amz-json-1.0",
    },
    data: JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status(), `${action}: ${text}`).toBe(200);
  return JSON.parse(text);
}

/// Waits until the dev mailbox holds the mail about `subject` and returns the approver's link.
/// The mailbox is opened in its own tab: it is the dev stand-in for an inbox, not a page under
/// test, and Chromium logs two errors on it that the app's pages do not cause (a 404 for
/// /favicon.ico, as the portal's template links no icon, and a blocked-script notice from the
/// sandboxed iframe of the HTML body). They are attached to the report rather than asserted.
async function linkFromDevMailbox(mailbox: Page, subject: string): Promise<string> {
  const page = mailbox;
  let link = "";
  await expect(async () => {
    const response = await page.goto("/approvals/dev-mailbox");
    expect(response?.status()).toBe(200);
    const mail = page.locator("article").filter({ hasText: `Approval requested: ${subject}` });
    await expect(mail).toHaveCount(1, { timeout: 500 });
    await expect(mail).toContainText("boss@example.com");
    const text = await mail.locator("pre").first().innerText();
    const found = text.match(/https?:\/\/\S+\/approve\/[0-9a-f]{48}/);
    expect(found, text).not.toBeNull();
    link = found![0];
  }).toPass({ timeout: 15_000 });
  return link;
}

/// Polls DescribeExecution until the execution has ended and returns the description.
async function waitForEnd(request: APIRequestContext, executionArn: string): Promise<any> {
  let description: any;
  await expect
    .poll(
      async () => {
        description = await sfn(request, "DescribeExecution", { executionArn });
        return description.status;
      },
      { timeout: 15_000 },
    )
    .not.toBe("RUNNING");
  return description;
}

test("an approval is mailed, decided in the browser, called back and audited", async ({ page, context, request }) => {
  test.setTimeout(90_000);
  const problems = watchForProblems(page);
  const mailbox = await context.newPage();
  const mailboxProblems = watchForProblems(mailbox);
  const suffix = Date.now().toString(36);

  const definition = {
    Comment: "Asks for an approval; a rejection takes the Catch path.",
    StartAt: "AskForApproval",
    States: {
      AskForApproval: {
        Type: "Task",
        Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        Parameters: {
          QueueUrl: queueUrl,
          MessageBody: {
            "taskToken.$": "$$.Task.Token",
            "subject.$": "$.subject",
            details: { "order.$": "$.order", note: "<b>not bold</b> & <script>no script</script>" },
          },
        },
        Catch: [{ ErrorEquals: ["ApprovalRejected"], ResultPath: "$.rejection", Next: "Rejected" }],
        End: true,
      },
      Rejected: { Type: "Pass", Result: "rejected", ResultPath: "$.path", End: true },
    },
  };
  const machine = await sfn(request, "CreateStateMachine", {
    name: `approval-e2e-${suffix}`,
    definition: JSON.stringify(definition),
    roleArn: "arn:aws:iam::123456789012:role/statehouse-e2e",
  });

  const approveSubject = `Ship order A-${suffix}`;
  const rejectSubject = `Ship order B-${suffix}`;
  const start = async (name: string, subject: string, order: string) =>
    (await sfn(request, "StartExecution", {
      stateMachineArn: machine.stateMachineArn,
      name,
      input: JSON.stringify({ subject, order }),
    })).executionArn as string;
  const approvedArn = await start(`approve-${suffix}`, approveSubject, "A-1");
  const rejectedArn = await start(`reject-${suffix}`, rejectSubject, "B-2");

  // Approve: the mailed link shows the request (GET decides nothing), the button decides.
  const approveLink = await linkFromDevMailbox(mailbox, approveSubject);
  expect(new URL(approveLink).pathname).toMatch(/^\/approve\/[0-9a-f]{48}$/);

  // Before anyone decides, the request's detail page draws its execution's graph: the approval
  // state waits (drawn running, and outlined as this request's state), the Catch path is not reached.
  await page.goto("/approvals?status=pending");
  await page.getByRole("row").filter({ hasText: approveSubject }).getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(approveSubject);
  const waitingGraph = page.getByTestId("graph");
  await expect(waitingGraph.locator('[data-state="AskForApproval"]')).toHaveAttribute("data-status", "running");
  await expect(waitingGraph.locator('[data-state="AskForApproval"]')).toHaveClass(/\bselected\b/);
  await expect(waitingGraph.locator('[data-state="Rejected"]')).toHaveAttribute("data-status", "not-reached");
  await expect(page.getByTestId("request-graph-caption")).toContainText(
    "“AskForApproval” is waiting for this decision",
  );
  await expect(page.getByRole("link", { name: "Its history and state details" })).toHaveAttribute(
    "href",
    `/executions/${encodeURIComponent(approvedArn)}`,
  );
  // The execution's page sends to the request rather than answering its token: the approvers
  // decide, with an audit trail.
  const requestPath = new URL(page.url()).pathname;
  expect(requestPath).toMatch(/^\/approvals\/\d+$/);
  await page.getByRole("link", { name: "Its history and state details" }).click();
  const waiting = page.getByTestId("callbacks").locator('[data-callback-state="AskForApproval"]');
  await expect(waiting).toContainText("Approval request");
  await expect(waiting.getByRole("button")).toHaveCount(0);
  await expect(waiting.getByTestId("task-token")).toHaveCount(0);
  await waiting.getByRole("link", { name: `approval request #${requestPath.split("/").pop()}` }).click();
  await expect(page).toHaveURL(requestPath);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(approveSubject);
  // An operator keeps the request's page open while the approver decides: it shows the
  // decision and the execution going on without a reload.
  const operator = await context.newPage();
  const operatorProblems = watchForProblems(operator);
  await operator.goto(requestPath);
  await expect(operator.getByTestId("request-status")).toHaveText("pending");
  await operator.evaluate(() => ((window as Window & { notReloaded?: boolean }).notReloaded = true));
  // So does the inbox's list.
  const inbox = await context.newPage();
  const inboxProblems = watchForProblems(inbox);
  await inbox.goto("/approvals");
  const inboxRow = inbox.getByRole("row").filter({ hasText: approveSubject });
  await expect(inboxRow.locator('[data-label="Status"]')).toHaveText("pending");
  await inbox.evaluate(() => ((window as Window & { notReloaded?: boolean }).notReloaded = true));
  await page.goto(new URL(approveLink).pathname);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(approveSubject);
  await expect(page.locator("pre")).toContainText("<b>not bold</b>");
  expect((await sfn(request, "DescribeExecution", { executionArn: approvedArn })).status).toBe("RUNNING");
  await page.getByLabel(/Comment/).fill("looks right");
  await page.locator('button[name="decision"][value="approve"]').click();
  // Post/Redirect/Get: the POST answers 303 back to the link, whose GET confirms it once.
  await expect(page).toHaveURL(new URL(approveLink).pathname);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Thank you");
  await expect(page.getByRole("status")).toContainText("Your approval was recorded");
  await expect(page.locator("form")).toHaveCount(0);
  // A refresh posts nothing again: it shows the request as decided (409), without the confirmation.
  const refreshed = await page.reload();
  expect(refreshed?.status()).toBe(409);
  await expect(page.getByRole("status")).toContainText("already been decided (approved)");
  const approvePath = new URL(approveLink).pathname;
  for (let index = problems.length - 1; index >= 0; index--) {
    if (problems[index].includes(approvePath) && problems[index].includes("409")) {
      problems.splice(index, 1);
    }
  }

  const approved = await waitForEnd(request, approvedArn);
  expect(approved.status).toBe("SUCCEEDED");
  await expect(operator.getByTestId("request-status")).toHaveText("approved", { timeout: 15_000 });
  await expect(operator.getByText("looks right")).toBeVisible();
  await expect(operator.getByTestId("graph").locator('[data-state="AskForApproval"]')).toHaveAttribute(
    "data-status",
    "succeeded",
    { timeout: 15_000 },
  );
  expect(await operator.evaluate(() => (window as Window & { notReloaded?: boolean }).notReloaded)).toBe(true);
  expect(operatorProblems).toEqual([]);
  await operator.close();
  await expect(inboxRow.locator('[data-label="Status"]')).toHaveText("approved", { timeout: 15_000 });
  expect(await inbox.evaluate(() => (window as Window & { notReloaded?: boolean }).notReloaded)).toBe(true);
  expect(inboxProblems).toEqual([]);
  await inbox.close();
  const approvedOutput = JSON.parse(approved.output);
  expect(approvedOutput).toMatchObject({ approved: true, approver: "boss@example.com", comment: "looks right" });
  expect(typeof approvedOutput.decidedAt).toBe("string");

  // Reject: the Catch path runs and the execution ends through the Pass state.
  // Decided on a 390-px phone, by keyboard: nothing wider than the screen, the comment
  // labelled, the buttons reached with Tab.
  const rejectLink = await linkFromDevMailbox(mailbox, rejectSubject);
  const desktop = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(new URL(rejectLink).pathname);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(rejectSubject);
  const approverOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(approverOverflow, "horizontal overflow on the approver's page").toBeLessThanOrEqual(0);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByLabel(/Comment/)).toHaveAttribute("autocomplete", "off");
  await page.getByLabel(/Comment/).fill("not this one");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Approve" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Reject" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Thank you");
  await expect(page.getByRole("status")).toContainText("Your rejection was recorded");
  if (desktop) {
    await page.setViewportSize(desktop);
  }

  const rejected = await waitForEnd(request, rejectedArn);
  expect(rejected.status).toBe("SUCCEEDED");
  const rejectedOutput = JSON.parse(rejected.output);
  expect(rejectedOutput.path).toBe("rejected");
  expect(rejectedOutput.rejection).toMatchObject({ Error: "ApprovalRejected", Cause: "not this one" });
  const history = await sfn(request, "GetExecutionHistory", { executionArn: rejectedArn });
  expect(history.events.map((event: any) => event.type)).toContain("PassStateEntered");

  // The inbox lists both, newest first, with their statuses; the nav links to it.
  await page.goto("/");
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((r) => r.name.endsWith(".wasm")));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals" }).click();
  await expect(page).toHaveURL(/\/approvals$/);
  await expect(page.getByRole("heading", { level: 1, name: "Approvals" })).toBeVisible();
  const rowOf = (subject: string) => page.getByRole("row").filter({ hasText: subject });
  await expect(rowOf(approveSubject).locator('[data-label="Status"]')).toHaveText("approved");
  await expect(rowOf(rejectSubject).locator('[data-label="Status"]')).toHaveText("rejected");
  const subjects = await page.locator("table.inbox tbody tr td[data-label='Request']").allInnerTexts();
  expect(subjects.indexOf(rejectSubject)).toBeLessThan(subjects.indexOf(approveSubject));

  // Filters are labelled form controls and work from the keyboard.
  await page.reload();
  await page.getByLabel("Status").selectOption("rejected");
  await page.getByLabel("Approver").fill("boss@example.com");
  await page.getByLabel("Approver").press("Enter");
  await expect(page).toHaveURL(/status=rejected/);
  await expect(rowOf(rejectSubject)).toHaveCount(1);
  await expect(rowOf(approveSubject)).toHaveCount(0);
  await page.getByLabel("Status").selectOption("pending");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByTestId("inbox-summary")).toHaveText("No requests match.");

  // A bad filter is a clear message from the error boundary, not a crash.
  await page.goto("/approvals?from=2026-13-40");
  await expect(page.getByRole("alert")).toContainText("is not a date");

  // The detail view: the request, its escaped details and its audit trail.
  await page.goto("/approvals");
  await rowOf(rejectSubject).getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(rejectSubject);
  await expect(page.getByTestId("request-status")).toHaveText("rejected");
  await expect(page.getByTestId("execution-arn")).toHaveText(rejectedArn);
  // Its graph after the decision: the rejection was caught and the Catch path ran.
  const decidedGraph = page.getByTestId("graph");
  await expect(decidedGraph.locator('[data-state="AskForApproval"]')).toHaveAttribute("data-status", "caught");
  await expect(decidedGraph.locator('[data-state="Rejected"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("request-details")).toContainText('"note": "<b>not bold</b> & <script>no script</script>"');
  await expect(page.locator("b", { hasText: "not bold" })).toHaveCount(0);
  const trail = page.locator("section.audit");
  await expect(trail).toContainText(/boss@example\.com rejected from 127\.0\.0\.1: “not this one”/);
  await expect(trail).toContainText(/boss@example\.com opened the link from 127\.0\.0\.1/);
  await expect(trail).toContainText(/boss@example\.com — decided/);
  await expect(trail).toContainText(/to boss@example\.com: Approval requested: .* — sent \(dev-mailbox\)/);
  await expect(trail).toContainText(/SendTaskFailure ApprovalRejected \(not this one\) — delivered/);

  // Readable on a 390-px phone: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ["/approvals", page.url()]) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
  }

  for (const problem of mailboxProblems) {
    test.info().annotations.push({ type: "dev mailbox console", description: problem });
  }
  expect(problems).toEqual([]);
});

test("a request that does not exist answers 404 with a clear message", async ({ page }) => {
  const problems = watchForProblems(page);
  const response = await page.goto("/approvals/999999");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("alert")).toContainText("there is no approval request 999999");
  // The 404 itself is the expected answer (Chromium also logs it as a failed resource).
  expect(problems.filter((problem) => !problem.includes("404"))).toEqual([]);
});

test("a request nobody decided does not say it was decided", async ({ page, request }) => {
  test.setTimeout(60_000);
  const problems = watchForProblems(page);
  const suffix = Date.now().toString(36);
  const machine = await sfn(request, "CreateStateMachine", {
    name: `approval-cancel-${suffix}`,
    definition: JSON.stringify({
      StartAt: "AskForApproval",
      States: {
        AskForApproval: {
          Type: "Task",
          Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          Parameters: { QueueUrl: queueUrl, MessageBody: { "taskToken.$": "$$.Task.Token", "subject.$": "$.subject" } },
          End: true,
        },
      },
    }),
    roleArn: "arn:aws:iam::123456789012:role/statehouse-e2e",
  });
  const subject = `Cancelled order C-${suffix}`;
  const { executionArn } = await sfn(request, "StartExecution", {
    stateMachineArn: machine.stateMachineArn,
    name: `cancel-${suffix}`,
    input: JSON.stringify({ subject }),
  });
  await expect.poll(async () => {
    await page.goto("/approvals?status=pending");
    return page.getByRole("row").filter({ hasText: subject }).count();
  }).toBe(1);
  // The workflow stops waiting: the request is cancelled, by nobody's decision.
  await sfn(request, "StopExecution", { executionArn, error: "Operator.Stopped" });
  expect((await waitForEnd(request, executionArn)).status).toBe("ABORTED");

  // The request is cancelled at once, before anyone opens its link.
  const row = page.getByRole("row").filter({ hasText: subject });
  await expect(async () => {
    await page.goto("/approvals");
    await expect(row.locator('td[data-label="Status"]')).toHaveText("cancelled", { timeout: 500 });
  }).toPass({ timeout: 5_000 });
  await expect(row.locator('td[data-label="Decided"]')).toHaveText("—");
  await row.getByRole("link").click();
  await expect(page.getByTestId("request-status")).toHaveText("cancelled");
  const facts = page.locator("dl.facts");
  await expect(facts.locator("dt", { hasText: /^Decided$/ })).toHaveCount(0);
  await expect(facts.locator("dt", { hasText: /^Closed$/ })).toHaveCount(1);
  const trail = page.locator("section.audit");
  await expect(trail).not.toContainText("Nobody has decided yet");
  await expect(trail).toContainText("Nobody decided: the request was cancelled.");
  expect(problems).toEqual([]);
});
