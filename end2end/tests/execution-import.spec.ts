// Importing a history recorded from real AWS (`../shared/conformance`, read in place, never
// copied): the definition is pasted and the history uploaded; the page shows the graph
// coloured from it, the retried and caught Task, and every event.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { expect, test } from "@playwright/test";

import { waitForHydration, watchForProblems } from "./execution-support";

const CASE = join(
  __dirname,
  "../../../shared/conformance/aws-recorded/execution_history",
  "test_error_output__test_task_catch_error_with_retry_TASK_CATCH_ERROR_OUTPUT_WITH_RETRY___get_execution_history",
);

test("a history recorded from AWS shows on the graph and in the events table", async ({ page }) => {
  test.skip(!existsSync(CASE), `the recorded case is missing: ${CASE} (../shared/conformance is not checked out)`);
  const problems = watchForProblems(page);
  const definition = readFileSync(join(CASE, "definition.json"), "utf8");
  const recorded = JSON.parse(readFileSync(join(CASE, "expected.json"), "utf8"));
  const history = JSON.stringify({ events: recorded.history }, null, 4);

  await page.goto("/executions/import");
  await expect(page.getByRole("heading", { name: "Import an execution" })).toBeVisible();
  await waitForHydration(page);

  // A history that is not JSON is refused with the field and the reason.
  await page.getByLabel("Definition (JSON or YAML)").fill(definition);
  await page.getByLabel("History (get-execution-history JSON)").fill("{ not json");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByTestId("import-error")).toContainText("History: not valid JSON");

  await page.locator("#import-history-file").setInputFiles({
    name: "history.json",
    mimeType: "application/json",
    buffer: Buffer.from(history),
  });
  await expect(page.getByLabel("History (get-execution-history JSON)")).toHaveValue(history);
  await page.getByRole("button", { name: "Show" }).click();

  await expect(page.getByTestId("execution-status")).toHaveText(recorded.status);
  await expect(page.locator('[data-state="Task"]')).toHaveAttribute("data-status", "caught");
  await expect(page.locator('[data-state="Fallback"]')).toHaveAttribute("data-status", "succeeded");
  await expect(page.locator('[data-state="Finish"]')).toHaveAttribute("data-status", "not-reached");
  const rows = page.locator("[data-testid=events] tbody tr");
  await expect(rows).toHaveCount(recorded.history.length);
  await expect(rows.first()).toHaveAttribute("data-type", "ExecutionStarted");
  await expect(rows.last()).toHaveAttribute("data-type", recorded.history.at(-1).type);

  // The retried Task in detail: two attempts and AWS's error.
  await page.locator('[data-state="Task"]').click();
  const details = page.getByTestId("state-details");
  await expect(details.getByTestId("state-attempts")).toHaveText("2 (1 retry)");
  await expect(details.getByTestId("state-error")).toHaveText("Exception");
  await expect(details.getByTestId("state-input")).toContainText('"inputData": "dummy"');

  expect(problems).toEqual([]);
});
