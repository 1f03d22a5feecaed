// Helpers shared by the execution views' browser tests (execution-*.spec.ts): calls to the
// Step Functions API of the server under test, and waiting for the page's wasm bundle.
import { expect, type APIRequestContext, type ConsoleMessage, type Page, type Request } from "@playwright/test";

/// Calls one Step Functions action on the server under test and returns its JSON answer.
export async function sfn(request: APIRequestContext, action: string, body: object): Promise<any> {
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

/// Creates a state machine and returns its ARN.
export async function createMachine(request: APIRequestContext, name: string, definition: object): Promise<string> {
  const { stateMachineArn } = await sfn(request, "CreateStateMachine", {
    name,
    definition: JSON.stringify(definition),
    roleArn: "arn:aws:iam::123456789012:role/statehouse",
  });
  return stateMachineArn;
}

/// Polls DescribeExecution until the execution has ended and returns its status.
export async function waitForEnd(request: APIRequestContext, executionArn: string): Promise<string> {
  let status = "RUNNING";
  await expect
    .poll(
      async () => {
        status = (await sfn(request, "DescribeExecution", { executionArn })).status;
        return status;
      },
      { timeout: 15_000 },
    )
    .not.toBe("RUNNING");
  return status;
}

/// Collects console errors and warnings, page errors, failed requests and error statuses.
///
/// A request the page's own navigation cut short (net::ERR_ABORTED for a request made before
/// the main frame navigated: the favicon, the bundle, an event stream of the page left) is not a
/// failure: a person who follows a link before the page has loaded sees nothing wrong. Any other
/// failed request is, and so is an error status.
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  let navigations = 0;
  const issuedAt = new WeakMap<Request, number>();
  const aborted: string[] = [];
  page.on("request", (request) => issuedAt.set(request, navigations));
  page.on("framenavigated", (frame) => {
    if (frame !== page.mainFrame()) return;
    navigations += 1;
    // Aborts reported before this navigation was: they were this navigation's doing.
    for (const problem of aborted.splice(0)) {
      const at = problems.indexOf(problem);
      if (at >= 0) problems.splice(at, 1);
    }
  });
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`${message.type()} on ${page.url()} (${message.location().url}): ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
  page.on("requestfailed", (request) => {
    // An open event stream ends when the page leaves, whatever the browser calls it.
    if (request.url().includes("/executions-events")) return;
    const problem = `request failed: ${request.url()} (${request.failure()?.errorText})`;
    if (request.failure()?.errorText === "net::ERR_ABORTED") {
      if ((issuedAt.get(request) ?? navigations) < navigations) return;
      aborted.push(problem);
    }
    problems.push(problem);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) {
      problems.push(`HTTP ${response.status()} for ${response.url()}`);
    }
  });
  return problems;
}

/// Waits until the page has loaded its wasm bundle, so it is interactive.
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((r) => r.name.endsWith(".wasm")));
  await page.waitForLoadState("networkidle");
}
