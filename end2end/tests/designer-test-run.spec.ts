// The designer's Test run: the definition being edited runs on the server's engine, with its
// Task states answered by a MockConfigFile written in the panel; the panel follows the run
// to its end and links to the execution's page.
import { type Page, expect, test } from "@playwright/test";

const definition = {
  StartAt: "Charge",
  States: {
    Charge: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "charge", "Payload.$": "$" },
      ResultPath: "$.charge",
      Catch: [{ ErrorEquals: ["Card.Declined"], ResultPath: "$.declined", Next: "Declined" }],
      End: true,
    },
    Declined: { Type: "Fail", Error: "Order.Declined", Cause: "the card was declined" },
  },
};

/// Opens `opened` in the designer as a file named after `prefix` and shows the Test run tab;
/// answers the design's name and the panel.
async function openForTestRun(page: Page, prefix: string, opened: object) {
  await page.goto("/designer");
  await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
  const name = `${prefix}-${Date.now()}`;
  await page.getByTestId("open-file").setInputFiles({
    name: `${name}.asl.json`,
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(opened, null, 2) + "\n"),
  });
  await expect(page.getByTestId("design-name")).toHaveText(name);
  await page.locator('[data-tab="test-run"]').click();
  return { name, panel: page.getByTestId("test-run") };
}

test("a test run answers Tasks from the panel's mocks, shows the outcome and links to the execution", async ({ page }) => {
  const { name, panel } = await openForTestRun(page, "orders", definition);
  await expect(panel).toContainText("as a Standard execution");

  // A bad input is refused, naming the field.
  await panel.getByLabel("Input (JSON)").fill("{");
  await panel.getByTestId("test-run-start").click();
  await expect(panel.getByTestId("test-run-outcome")).toContainText("input: not JSON");

  // Every Task mocked (a Lambda invoke answers as Lambda does): the run succeeds with the mocked
  // result in place.
  await panel.getByLabel("Input (JSON)").fill('{"order": 7}');
  await panel.getByTestId("test-run-mock-all").click();
  const mocks = panel.getByLabel("Mocks (MockConfigFile; empty for none)");
  await expect(mocks).toHaveValue(/"Charge": "Charge returns"/);
  await panel.getByTestId("test-run-start").click();
  await expect(panel.getByTestId("test-run-status")).toHaveText(/^SUCCEEDED in \d+ ms$/);
  const output = JSON.parse((await panel.getByTestId("test-run-output").textContent()) ?? "");
  expect(output).toEqual({ order: 7, charge: { StatusCode: 200, Payload: {} } }); // a Lambda invoke result

  // The panel's fields are kept in the browser with the design: a reload finds them.
  await page.reload();
  await expect(page.getByTestId("design-name")).toHaveText(name, { timeout: 15_000 });
  await page.locator('[data-tab="test-run"]').click();
  await expect(panel.getByLabel("Input (JSON)")).toHaveValue('{"order": 7}');
  await expect(mocks).toHaveValue(/"Charge": "Charge returns"/);

  // The mock throws what the Catch handles: the run fails at the Fail state it leads to.
  const throwing = JSON.parse(await mocks.inputValue());
  throwing.MockedResponses["Charge returns"] = { "0": { Throw: { Error: "Card.Declined", Cause: "no funds" } } };
  await mocks.fill(JSON.stringify(throwing, null, 2));
  await panel.getByTestId("test-run-start").click();
  await expect(panel.getByTestId("test-run-status")).toHaveText(/^FAILED in \d+ ms$/);
  await expect(panel.getByTestId("test-run-error")).toHaveText("Order.Declined: the card was declined");

  // The execution's page has the run: its graph, events and states.
  const href = await panel.getByTestId("test-run-link").getAttribute("href");
  expect(href).toContain(encodeURIComponent(`:execution:designer-${name}:test-`));
  await page.goto(href!);
  await expect(page.locator('[data-state="Charge"]').first()).toBeVisible({ timeout: 15_000 });
  await expect(page.locator("main")).toContainText("Order.Declined");
  await expect(page.locator("main")).toContainText("Card.Declined"); // the caught Task failure, in the events
});

test("a test run skips Waits unless the author unticks it, and the choice is kept with the design", async ({ page }) => {
  const waiting = {
    StartAt: "Tomorrow",
    States: {
      Tomorrow: { Type: "Wait", Seconds: 86400, Next: "Done" },
      Done: { Type: "Pass", Result: "done", End: true },
    },
  };
  const { name, panel } = await openForTestRun(page, "patient", waiting);
  const skip = panel.getByTestId("test-run-skip-waits");
  await expect(skip).toBeChecked(); // the default: a day's Wait ends at once
  await panel.getByTestId("test-run-start").click();
  await expect(panel.getByTestId("test-run-status")).toHaveText(/^SUCCEEDED in \d+ ms$/);
  await expect(panel.getByTestId("test-run-output")).toHaveText('"done"');

  // Unticked, the Wait takes its day: the run is still running.
  await skip.uncheck();
  await panel.getByTestId("test-run-start").click();
  await expect(panel.getByTestId("test-run-status")).toHaveText("Running…");
  await page.waitForTimeout(1_000);
  await expect(panel.getByTestId("test-run-status")).toHaveText("Running…");
  await page.reload();
  await expect(page.getByTestId("design-name")).toHaveText(name, { timeout: 15_000 });
  await page.locator('[data-tab="test-run"]').click();
  await expect(skip).not.toBeChecked();
});
