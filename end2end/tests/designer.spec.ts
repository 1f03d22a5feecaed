// The designer end to end, in Chromium: real definitions from ../shared/corpus open as graphs
// with one node per state and export byte for byte; a dragged node keeps its place across a
// reload; a state added from the palette is connected, renamed, undone and redone, and the
// export matches the expected JSON; invalid JSON typed in the code view is marked and the graph
// keeps its shape until it is fixed. Also: every template opens without errors; copy, paste,
// duplicate, Delete and Escape from the keyboard; states dragged into a Parallel or a Map; a
// Parallel dragged whole, with its branches; a fitted graph clear of the minimap, which can be
// hidden; the layout on a 1024-pixel screen and a phone;
// long names shortened to fit their nodes and rule labels that do not cover each other; two
// transitions between the same states drawn apart. And what a daily user would lose or be
// misled by: a state renamed in the code keeps its place; a copied Parallel or Map gets fresh
// names inside; typing just before an undo, export or reload is kept, and so is a field typed in
// the inspector; a refused drop leaves the state where it was; Ctrl+C copies selected text;
// undo keeps a renamed state selected; two tabs each reload to their own work; a restore over
// unsaved work asks before it makes a version; Ctrl+Z in the code view undoes graph edits too;
// a large graph, drawn in layers, takes clicks, drags and Tab through them in the order written.
import { expect, test, type Page } from "@playwright/test";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const corpus = resolve(__dirname, "../../../shared/corpus/real-asl/aws-samples+step-functions-workflows-collection");
const realFiles = [
  "quorum-with-parallel-pattern__statemachine__statemachine.asl.json",
  "s3-bucket-nested-distributed-map__statemachine__statemachine.asl.json",
  "bedrock-evaluations-sam__statemachine__statemachine.asl.json",
];

/// Every state of a definition, in every branch and item processor.
function countStates(scope: any): number {
  let count = 0;
  for (const state of Object.values<any>(scope?.States ?? {})) {
    count += 1;
    for (const branch of state.Branches ?? []) count += countStates(branch);
    if (state.ItemProcessor) count += countStates(state.ItemProcessor);
    if (state.Iterator) count += countStates(state.Iterator);
  }
  return count;
}

/// Opens the designer with an empty draft store and waits until the page is interactive.
async function openDesigner(page: Page, options: { clear: boolean }) {
  if (options.clear) {
    await page.goto("/");
    await page.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
  }
  await page.goto("/designer");
  await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
}

/// Opens a file through the file input.
async function openFile(page: Page, name: string, text: string) {
  await page.getByTestId("open-file").setInputFiles({ name, mimeType: "application/json", buffer: Buffer.from(text) });
  await expect(page.getByTestId("design-name")).toHaveText(name.replace(/\.asl\.json$|\.json$/, ""));
}

/// Clicks an export button and returns the downloaded file's name and text.
async function exportFile(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path!, "utf8") };
}

/// The translation of a node's transform.
async function nodePosition(page: Page, name: string): Promise<[number, number]> {
  const transform = await page.locator(`[data-state="${name}"]`).getAttribute("transform");
  const match = /translate\(([-\d.]+) ([-\d.]+)\)/.exec(transform ?? "");
  expect(match, `transform of ${name}: ${transform}`).not.toBeNull();
  return [Number(match![1]), Number(match![2])];
}

/// Drags with the mouse from the centre of one element to the centre of another (or by an offset).
async function drag(page: Page, from: string, to: string | [number, number]) {
  const start = await page.locator(from).boundingBox();
  expect(start, from).not.toBeNull();
  const sx = start!.x + start!.width / 2;
  const sy = start!.y + start!.height / 2;
  let ex: number;
  let ey: number;
  if (typeof to === "string") {
    const end = await page.locator(to).boundingBox();
    expect(end, to).not.toBeNull();
    ex = end!.x + end!.width / 2;
    ey = end!.y + end!.height / 2;
  } else {
    ex = sx + to[0];
    ey = sy + to[1];
  }
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  await page.mouse.move((sx + ex) / 2, (sy + ey) / 2, { steps: 5 });
  await page.mouse.move(ex, ey, { steps: 5 });
  await page.mouse.up();
}

test.describe("the designer", () => {
  test("real files open with one node per state and export byte for byte", async ({ page }) => {
    test.skip(!existsSync(corpus), `the shared corpus is not at ${corpus}`);
    await openDesigner(page, { clear: true });
    for (const file of realFiles) {
      const text = readFileSync(join(corpus, file), "utf8");
      await openFile(page, file, text);
      const states = countStates(JSON.parse(text));
      expect(states).toBeGreaterThan(8);
      await expect(page.locator("[data-state]")).toHaveCount(states);
      await expect(page.locator("[data-edge-from]").first()).toBeVisible();
      const exported = await exportFile(page, "export-json");
      expect(exported.name).toBe(file);
      expect(exported.text).toBe(text);
    }
    // A Parallel's branches and a Map's processor are drawn as nested groups.
    await expect(page.locator("[data-group]").first()).toBeVisible();
  });

  test("a dragged node keeps its place after a reload", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const node = page.locator("[data-state]").first();
    const name = (await node.getAttribute("data-state"))!;
    const before = await nodePosition(page, name);
    await drag(page, `[data-state="${name}"] .node-name`, [160, 90]);
    // The drop is drawn on a later frame: read the place once the node is marked placed.
    await expect(page.locator(`[data-state="${name}"]`)).toHaveAttribute("data-placed", "true");
    const after = await nodePosition(page, name);
    expect(after[0]).toBeGreaterThan(before[0] + 50);
    expect(after[1]).toBeGreaterThan(before[1] + 30);

    await page.reload();
    await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
    await expect.poll(() => nodePosition(page, name)).toEqual(after);

    // The layout sidecar carries the position too.
    const sidecar = JSON.parse((await exportFile(page, "export-layout")).text);
    expect(sidecar.version).toBe(1);
    expect(sidecar.positions[name].x).toBeCloseTo(after[0], 0);
  });

  test("a dragged node moves on the drag layer; the graph changes once, at the drop", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const name = (await page.locator("[data-state]").first().getAttribute("data-state"))!;
    const before = await nodePosition(page, name);
    const box = (await page.locator(`[data-state="${name}"] .node-name`).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 50, { steps: 4 });
    // While the pointer is held, a preview moves; the node keeps its place in the graph, faded.
    await expect(page.locator(".drag-layer .node")).toHaveCount(1);
    await expect(page.locator(`[data-state="${name}"]`)).toHaveClass(/drag-origin/);
    expect(await nodePosition(page, name)).toEqual(before);
    await page.mouse.up();
    // Dropped: the node is drawn at its new place and the preview goes.
    await expect(page.locator(`[data-state="${name}"]`)).toHaveAttribute("data-placed", "true");
    await expect(page.locator(".drag-layer .node")).toHaveCount(0);
    await expect(page.locator(`[data-state="${name}"]`)).not.toHaveClass(/drag-origin/);
    const after = await nodePosition(page, name);
    expect(after[0]).toBeGreaterThan(before[0] + 30);
    expect(after[1]).toBeGreaterThan(before[1] + 20);
  });

  test("add from the palette, connect, rename, undo twice, redo once, export", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "Start here", States: { "Start here": { Type: "Pass", End: true } } };
    await openFile(page, "flow.asl.json", JSON.stringify(start, null, 2) + "\n");
    await expect(page.locator("[data-state]")).toHaveCount(1);

    // Drag a Pass state from the palette onto the canvas.
    const canvas = page.getByTestId("canvas");
    const box = (await canvas.boundingBox())!;
    await page.locator('[data-palette="pass"]').dragTo(canvas, { targetPosition: { x: box.width / 2, y: box.height - 120 } });
    await expect(page.locator('[data-state="Pass"]')).toHaveAttribute("data-state-type", "Pass");

    // Connect: drag from the first state's handle to the new state.
    await drag(page, '[data-handle="Start here"]', '[data-state="Pass"] .node-name');
    await expect(page.locator('[data-edge-from="Start here"][data-edge-to="Pass"]')).toHaveAttribute("data-edge-kind", "next");

    // Rename in the inspector: the transition follows.
    await page.locator('[data-state="Pass"]').click();
    const nameField = page.getByTestId("state-name");
    // A name in use, or none, is refused at the field, which keeps what was typed.
    await nameField.fill("Start here");
    await nameField.press("Enter");
    await expect(page.getByTestId("state-name-error")).toHaveText("Another state is named “Start here”: names are unique across the whole machine.");
    await expect(nameField).toHaveValue("Start here");
    await expect(nameField).toHaveAttribute("aria-invalid", "true");
    await nameField.fill("");
    await nameField.press("Enter");
    await expect(page.getByTestId("state-name-error")).toHaveText("A state needs a name.");
    await expect(page.locator('[data-edge-from="Start here"][data-edge-to="Pass"]')).toBeVisible();
    await nameField.fill("Finish");
    await nameField.press("Enter");
    await expect(page.locator('[data-edge-from="Start here"][data-edge-to="Finish"]')).toBeVisible();

    // The code view shows each edit.
    await expect(page.getByTestId("asl-code")).toContainText('"Next": "Finish"');

    // Undo the rename and the connection; redo the connection.
    await page.locator("body").click({ position: { x: 2, y: 2 } });
    await page.keyboard.press("Control+z");
    await expect(page.locator('[data-state="Pass"]')).toBeVisible();
    await page.keyboard.press("Control+z");
    await expect(page.locator('[data-edge-from="Start here"]')).toHaveAttribute("data-edge-to", "End");
    await page.keyboard.press("Control+Shift+z");
    await expect(page.locator('[data-edge-from="Start here"][data-edge-to="Pass"]')).toBeVisible();

    const exported = await exportFile(page, "export-json");
    expect(exported.name).toBe("flow.asl.json");
    const expected = {
      StartAt: "Start here",
      States: {
        "Start here": { Type: "Pass", Next: "Pass" },
        Pass: { Type: "Pass", End: true },
      },
    };
    expect(exported.text).toBe(JSON.stringify(expected, null, 2) + "\n");
  });

  test("invalid JSON in the code view is marked, and the graph keeps its shape until it is fixed", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Succeed" } } };
    const text = JSON.stringify(start, null, 2) + "\n";
    await openFile(page, "typed.asl.json", text);
    await expect(page.locator("[data-state]")).toHaveCount(2);

    // Break line 5 ("Type": "Pass" loses its comma): the reader stops on line 6.
    const content = page.getByTestId("asl-code").locator(".cm-content");
    await content.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Control+Home");
    for (let line = 1; line < 5; line++) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await expect(page.getByTestId("syntax-error")).toContainText("Line 6, column 7");
    await expect(page.getByTestId("asl-code").locator(".cm-lint-marker-error")).toBeVisible();
    await expect(page.getByTestId("problems").locator('[data-severity="error"]')).toHaveCount(1);
    await expect(page.locator("[data-state]")).toHaveCount(2);

    // Fix it: the marker goes and the graph follows the text again.
    await page.keyboard.type(",");
    await expect(page.getByTestId("syntax-error")).toHaveCount(0);
    await expect(page.getByTestId("asl-code").locator(".cm-lint-marker-error")).toHaveCount(0);
    const exported = await exportFile(page, "export-json");
    expect(exported.text).toBe(text);
  });

  test("a layout sidecar opened with its definition gives the same picture back", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const name = (await page.locator("[data-state]").nth(1).getAttribute("data-state"))!;
    await drag(page, `[data-state="${name}"] .node-name`, [-120, 60]);
    await expect(page.locator(`[data-state="${name}"]`)).toHaveAttribute("data-placed", "true");
    const placed = await nodePosition(page, name);
    const definition = await exportFile(page, "export-json");
    const layout = await exportFile(page, "export-layout");
    expect(layout.name).toBe(definition.name.replace(".asl.json", ".asl.layout.json"));

    // A fresh designer lays everything out automatically; opening both files restores the place.
    await openDesigner(page, { clear: true });
    await page.getByTestId("open-file").setInputFiles([
      { name: definition.name, mimeType: "application/json", buffer: Buffer.from(definition.text) },
      { name: layout.name, mimeType: "application/json", buffer: Buffer.from(layout.text) },
    ]);
    await expect(page.locator(`[data-state="${name}"]`)).toHaveAttribute("data-placed", "true");
    expect(await nodePosition(page, name)).toEqual(placed);
  });

  test("dragging an edge's end to another state reconnects the transition", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", End: true }, C: { Type: "Succeed" } } };
    await openFile(page, "edges.asl.json", JSON.stringify(start, null, 2) + "\n");
    await page.locator('[data-edge-from="A"][data-edge-to="B"]').hover();
    await drag(page, '[data-edge-from="A"][data-edge-to="B"] .edge-end', '[data-state="C"] .node-name');
    await expect(page.locator('[data-edge-from="A"][data-edge-to="C"]')).toHaveAttribute("data-edge-kind", "next");
    await expect(page.locator('[data-edge-from="A"][data-edge-to="B"]')).toHaveCount(0);
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.States.A).toEqual({ Type: "Pass", Next: "C" });
  });

  test("a state dragged into a Parallel branch moves into it", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "P",
      States: {
        P: { Type: "Parallel", Branches: [{ StartAt: "X", States: { X: { Type: "Pass", End: true } } }], Next: "Y" },
        Y: { Type: "Succeed" },
        Z: { Type: "Pass", End: true },
      },
    };
    await openFile(page, "nested.asl.json", JSON.stringify(start, null, 2) + "\n");
    await drag(page, '[data-state="Z"] .node-name', '[data-group="/States/P/Branches/0"] > rect');
    await expect.poll(async () => JSON.parse((await exportFile(page, "export-json")).text).States.P.Branches[0].States.Z).toEqual({
      Type: "Pass",
      End: true,
    });
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.States.Z).toBeUndefined();
  });

  test("a dragged Parallel takes its branches and their states along, as one undo step", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "Fan",
      States: {
        Fan: {
          Type: "Parallel",
          Branches: [
            { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", End: true } } },
            { StartAt: "C", States: { C: { Type: "Pass", End: true } } },
          ],
          Next: "Done",
        },
        Done: { Type: "Succeed" },
      },
    };
    await openFile(page, "fan.asl.json", JSON.stringify(start, null, 2) + "\n");
    const inside = ["Fan", "A", "B", "C"];
    const boxes = ["/States/Fan", "/States/Fan/Branches/0", "/States/Fan/Branches/1"];
    const box = async (id: string) => {
      const rect = page.locator(`.designer-graph:not(.drag-layer) [data-group="${id}"] > rect`);
      return Promise.all(["x", "y", "width", "height"].map(async (name) => Number(await rect.getAttribute(name))));
    };
    const picture = async () => ({
      nodes: await Promise.all([...inside, "Done"].map((name) => nodePosition(page, name))),
      boxes: await Promise.all(boxes.map(box)),
    });
    const before = await picture();

    const grip = (await page.locator('[data-state="Fan"] .node-name').boundingBox())!;
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await page.mouse.down();
    await page.mouse.move(grip.x + grip.width / 2 + 240, grip.y + grip.height / 2 + 60, { steps: 6 });
    // While the pointer is held, the Parallel, its boxes and its three states move on the drag layer.
    await expect(page.locator(".drag-layer .node")).toHaveCount(4);
    await expect(page.locator(".drag-layer .group")).toHaveCount(3);
    await expect(page.locator('[data-group="/States/Fan"]')).toHaveClass(/drag-origin/);
    await expect(page.locator('[data-state="B"]')).toHaveClass(/drag-origin/);
    await expect(page.locator('[data-state="Done"]')).not.toHaveClass(/drag-origin/);
    await page.mouse.up();
    await expect(page.locator('[data-state="B"]')).toHaveAttribute("data-placed", "true");
    await expect(page.locator(".drag-layer .node")).toHaveCount(0);

    // Everything inside moved by the same distance as the Parallel; its boxes kept their size.
    const after = await picture();
    const [dx, dy] = [after.nodes[0][0] - before.nodes[0][0], after.nodes[0][1] - before.nodes[0][1]];
    expect(dx).toBeGreaterThan(100);
    expect(dy).toBeGreaterThan(20);
    for (const [index, name] of inside.entries()) {
      expect(after.nodes[index][0] - before.nodes[index][0], name).toBeCloseTo(dx, 1);
      expect(after.nodes[index][1] - before.nodes[index][1], name).toBeCloseTo(dy, 1);
    }
    for (const [index, id] of boxes.entries()) {
      const [was, now] = [before.boxes[index], after.boxes[index]];
      expect([now[0] - was[0], now[1] - was[1], now[2], now[3]].map((v) => Math.round(v * 10) / 10), id).toEqual(
        [dx, dy, was[2], was[3]].map((v) => Math.round(v * 10) / 10),
      );
    }
    // The state after it stays, and the definition is untouched.
    expect(after.nodes[4]).toEqual(before.nodes[4]);
    await expect(page.locator('[data-state="Done"]')).not.toHaveAttribute("data-placed", "true");
    expect(JSON.parse((await exportFile(page, "export-json")).text)).toEqual(start);

    // One undo puts the whole group back; redo moves it again; a reload keeps it.
    await page.locator("body").click({ position: { x: 2, y: 2 } });
    await page.keyboard.press("Control+z");
    await expect(page.locator('[data-state="B"]')).not.toHaveAttribute("data-placed", "true");
    expect(await picture()).toEqual(before);
    await page.keyboard.press("Control+Shift+z");
    await expect(page.locator('[data-state="B"]')).toHaveAttribute("data-placed", "true");
    expect(await picture()).toEqual(after);
    await page.reload();
    await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
    await expect.poll(picture).toEqual(after);

    // Deleting the Parallel takes the positions of the states inside it out of the layout too.
    await page.locator('[data-state="Fan"] .node-name').click();
    await page.locator('[data-state="Fan"]').focus();
    await page.keyboard.press("Delete");
    await expect(page.locator('[data-state="A"]')).toHaveCount(0);
    const sidecar = JSON.parse((await exportFile(page, "export-layout")).text);
    expect(sidecar.positions).toEqual({});
  });

  test("a long design name is cut short in the toolbar, whole in its title, without wrapping the toolbar", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const toolbar = page.locator(".designer-toolbar");
    const definition = JSON.stringify({ StartAt: "A", States: { A: { Type: "Pass", End: true } } }, null, 2) + "\n";
    await openFile(page, "short.asl.json", definition);
    const oneName = (await toolbar.boundingBox())!.height;
    const name = "nightly-export-of-every-customer-order-to-the-warehouse-and-the-finance-ledger-with-retries";
    await openFile(page, `${name}.asl.json`, definition);
    await expect(page.getByTestId("design-name")).toHaveAttribute("title", name);
    expect((await toolbar.boundingBox())!.height).toBe(oneName);
    const shown = (await page.getByTestId("design-name").boundingBox())!;
    expect(shown.width).toBeLessThan(400);
  });

  test("Ctrl+Z in the code view undoes the last change wherever it was made, a graph edit included", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", End: true } } };
    await openFile(page, "history.asl.json", JSON.stringify(start, null, 2) + "\n");
    const code = page.getByTestId("asl-code");

    // A rename on the graph, then typing in the code view.
    await page.locator('[data-state="B"] .node-name').click();
    await page.getByTestId("state-name").fill("Renamed");
    await page.getByTestId("state-name").press("Enter");
    await expect(page.locator('[data-state="Renamed"]')).toBeVisible();
    await code.locator(".cm-content").click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.type('"Comment": "typed",');
    await expect(code).toContainText('"Comment": "typed"');

    // Undone from the code view, newest first: the typing, then the rename made on the graph.
    await page.keyboard.press("Control+z");
    await expect(code).not.toContainText('"Comment"');
    await expect(page.locator('[data-state="Renamed"]')).toBeVisible();
    await page.keyboard.press("Control+z");
    await expect(page.locator('[data-state="B"]')).toBeVisible();
    await expect(code).toContainText('"Next": "B"');
    await expect(code.locator(".cm-content")).toBeFocused();
    // And redone in the same order.
    await page.keyboard.press("Control+Shift+z");
    await expect(page.locator('[data-state="Renamed"]')).toBeVisible();
    await expect(code).not.toContainText('"Comment"');
    await page.keyboard.press("Control+y");
    await expect(code).toContainText('"Comment": "typed"');
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.Comment).toBe("typed");
    expect(exported.States.A.Next).toBe("Renamed");
  });

  test("long names are shortened to fit their nodes, and a Choice's labels do not cover each other", async ({ page }) => {
    await openDesigner(page, { clear: true });
    // Names and rules as long as real ones (the quorum sample of the corpus has both).
    const long = "Wait For Other Processes to Complete or For Time out 1";
    const start = {
      StartAt: "Check If Quorum Met",
      States: {
        "Check If Quorum Met": {
          Type: "Choice",
          Choices: [
            { Variable: "$.completed_processes_count", NumericGreaterThanEqualsPath: "$$.Execution.Input.quorum", Next: "Quorum Met" },
            { Variable: "$.failed_processes_count", NumericGreaterThanPath: "$$.Execution.Input.allowed_failures", Next: "Quorum Failed" },
          ],
          Default: long,
        },
        "Quorum Met": { Type: "Succeed" },
        "Quorum Failed": { Type: "Fail" },
        [long]: { Type: "Pass", End: true },
      },
    };
    await openFile(page, "long-names.asl.json", JSON.stringify(start, null, 2) + "\n");
    await expect(page.locator("[data-state]")).toHaveCount(4);

    // Every name is drawn inside its box, measured with the browser's own font.
    const fits = await page.locator("[data-state]").evaluateAll((nodes) =>
      nodes.map((node) => {
        const text = node.querySelector<SVGTextElement>(".node-name")!;
        const box = node.querySelector<SVGRectElement>(".node-box")!;
        return { name: node.getAttribute("data-state"), text: text.getBBox().width, box: box.width.baseVal.value };
      }),
    );
    for (const fit of fits) expect(fit.text, `${fit.name}: ${fit.text} in ${fit.box}`).toBeLessThanOrEqual(fit.box - 8);

    // The long one is shortened with an ellipsis, and hovering it shows the whole name.
    const node = page.locator(`[data-state="${long}"]`);
    await expect(node.locator(".node-name")).toHaveText(/^Wait For Other Processes.*…$/);
    await expect(node.locator("title")).toHaveText(long);

    // The Choice's rule labels sit on their own sides; none covers another.
    const labels = await page.locator('[data-edge-from="Check If Quorum Met"] .edge-label').evaluateAll((texts) =>
      texts.map((text) => {
        const r = text.getBoundingClientRect();
        return { text: text.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      }),
    );
    expect(labels).toHaveLength(3);
    for (const [i, a] of labels.entries()) {
      for (const b of labels.slice(i + 1)) {
        const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
        expect(apart, `"${a.text}" and "${b.text}" overlap`).toBe(true);
      }
    }
    // The whole rule is in the edge's tooltip.
    await expect(page.locator(`[data-edge-from="Check If Quorum Met"][data-edge-to="Quorum Met"] > title`)).toContainText(
      "$.completed_processes_count >= $$.Execution.Input.quorum",
    );

    // Shortening is only how it is drawn: the export keeps every name whole.
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported).toEqual(start);
  });

  test("two transitions between the same states are drawn side by side, each one reconnectable", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "Route",
      States: {
        Route: { Type: "Choice", Choices: [{ Variable: "$.kind", StringEquals: "alert", Next: "Notify" }], Default: "Notify" },
        Notify: { Type: "Pass", End: true },
        Other: { Type: "Succeed" },
      },
    };
    await openFile(page, "twice.asl.json", JSON.stringify(start, null, 2) + "\n");
    const rule = page.locator('[data-edge-from="Route"][data-edge-to="Notify"][data-edge-kind="choice"]');
    const fallback = page.locator('[data-edge-from="Route"][data-edge-to="Notify"][data-edge-kind="default"]');
    const ends = await Promise.all([rule, fallback].map((edge) => edge.locator(".edge-end").boundingBox()));
    // Their ends are apart by more than an end's own size, so either can be grabbed.
    expect(Math.abs(ends[0]!.x - ends[1]!.x), JSON.stringify(ends)).toBeGreaterThan(ends[0]!.width);
    expect(await rule.locator(".edge-line").getAttribute("d")).not.toEqual(await fallback.locator(".edge-line").getAttribute("d"));
    // Dragging the Default's end moves the Default only.
    await fallback.hover();
    await drag(page, '[data-edge-from="Route"][data-edge-kind="default"] .edge-end', '[data-state="Other"] .node-name');
    await expect(page.locator('[data-edge-from="Route"][data-edge-to="Other"]')).toHaveAttribute("data-edge-kind", "default");
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.States.Route.Default).toBe("Other");
    expect(exported.States.Route.Choices[0].Next).toBe("Notify");
  });

  test("problems are listed, and clicking one selects its state", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", Next: "Nowhere" } } };
    await openFile(page, "broken.asl.json", JSON.stringify(start, null, 2) + "\n");
    const problem = page.getByTestId("problems").locator('[data-code="MISSING_TRANSITION_TARGET"]');
    await expect(problem).toBeVisible();
    await expect(page.locator('[data-state="A"]')).toHaveClass(/has-error/);
    await problem.locator(".problem-go").click();
    await expect(page.locator('[data-state="A"]')).toHaveClass(/selected/);
    await expect(page.getByTestId("state-name")).toHaveValue("A");
    await expect(page.getByTestId("asl-code").locator(".cm-lint-marker-error").first()).toBeVisible();
  });

  test("quick fixes correct a misspelt field and state name and add a lint rule's fix, each one undo step", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "Check",
      States: {
        Check: { Type: "Pass", Nxt: "Charge" },
        Charge: { Type: "Task", Resource: "arn:aws:states:::http:invoke", Next: "Dne" },
        Done: { Type: "Succeed" },
      },
    };
    await openFile(page, "typos.asl.json", JSON.stringify(start, null, 2) + "\n");
    const problems = page.getByTestId("problems");
    const fixes = problems.getByTestId("problem-fix");
    await expect(fixes).toHaveText([
      'Quick fix: Rename "Nxt" to "Next"',
      'Quick fix: Go to "Done"',
      "Quick fix: Add TimeoutSeconds: 300",
    ]);

    // The misspelt field becomes Next in its place; the Pass state is connected at once.
    await fixes.first().click();
    await expect(page.locator('[data-edge-from="Check"][data-edge-to="Charge"]')).toBeVisible();
    await expect(problems.locator('[data-code="SCHEMA_VALIDATION_FAILED"]')).toHaveCount(0);
    // Then the transition to a state that does not exist goes to the one meant.
    await problems.getByTestId("problem-fix").filter({ hasText: 'Go to "Done"' }).click();
    await expect(page.locator('[data-edge-from="Charge"][data-edge-to="Done"]')).toBeVisible();
    await expect(problems.locator('[data-severity="error"]')).toHaveCount(0);

    // The code view offers a problem's fix in its marker's tooltip too.
    await page.getByTestId("asl-code").locator(".cm-lintRange-warning").first().hover();
    const action = page.locator(".cm-tooltip-lint .cm-diagnosticAction");
    await expect(action).toHaveText("Quick fix: Add TimeoutSeconds: 300");
    await action.click();
    await expect(problems.locator('[data-code="TASK_WITHOUT_TIMEOUT"]')).toHaveCount(0);

    // Only what each fix touched changed: the file is the corrected one, byte for byte.
    const fixed = {
      StartAt: "Check",
      States: {
        Check: { Type: "Pass", Next: "Charge" },
        Charge: { Type: "Task", Resource: "arn:aws:states:::http:invoke", Next: "Done", TimeoutSeconds: 300 },
        Done: { Type: "Succeed" },
      },
    };
    expect((await exportFile(page, "export-json")).text).toBe(JSON.stringify(fixed, null, 2) + "\n");

    // Each fix is one undo step: two undos leave the rename only.
    await page.locator("body").click({ position: { x: 2, y: 2 } });
    await page.keyboard.press("Control+z");
    await page.keyboard.press("Control+z");
    await expect(problems.getByTestId("problem-fix")).toHaveText(['Quick fix: Go to "Done"', "Quick fix: Add TimeoutSeconds: 300"]);
    await expect(page.getByTestId("asl-code")).toContainText('"Next": "Dne"');
    await expect(page.getByTestId("asl-code")).toContainText('"Next": "Charge"');
  });

  test("Fix all applies every lint rule's fix as one undo step and leaves the guesses", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const task = (next: string) => ({ Type: "Task", Resource: "arn:aws:states:::sqs:sendMessage", Next: next,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: null, Next: "Done" }] });
    const start = { StartAt: "First", States: { First: task("Second"), Second: task("Dne"), Done: { Type: "Succeed" } } };
    const text = JSON.stringify(start, null, 2) + "\n";
    await openFile(page, "many.asl.json", text);
    const problems = page.getByTestId("problems");
    await expect(page.getByTestId("fix-all")).toHaveText("Fix all 2");

    await page.getByTestId("fix-all").click();
    await expect(page.getByText("Fixed 2: Add TimeoutSeconds: 300 (×2).")).toBeVisible();
    await expect(page.getByTestId("fix-all")).toHaveCount(0);
    await expect(problems.locator('[data-code="TASK_WITHOUT_TIMEOUT"]')).toHaveCount(0);
    // The guesses stay, each with its own button: the misspelt target, and the catchers that
    // would start keeping their error (that changes what their handlers receive).
    await expect(problems.locator('[data-code="CATCH_DISCARDS_ERROR"]')).toHaveCount(2);
    await expect(problems.getByTestId("problem-fix").filter({ hasText: 'Quick fix: Go to "Done"' })).toHaveCount(1);
    await expect(problems.getByTestId("problem-fix").filter({ hasText: "Quick fix: Keep the error at $.error" })).toHaveCount(2);
    const fixed = {
      StartAt: "First",
      States: {
        First: { ...task("Second"), TimeoutSeconds: 300 },
        Second: { ...task("Dne"), TimeoutSeconds: 300 },
        Done: { Type: "Succeed" },
      },
    };
    expect((await exportFile(page, "export-json")).text).toBe(JSON.stringify(fixed, null, 2) + "\n");

    // One undo gives the file back as it was.
    await page.locator("body").click({ position: { x: 2, y: 2 } });
    await page.keyboard.press("Control+z");
    await expect(page.getByTestId("fix-all")).toHaveText("Fix all 2");
    expect((await exportFile(page, "export-json")).text).toBe(text);
  });

  test("saves are versions with messages that can be diffed and restored", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", End: true } } };
    const designName = `versions-${Date.now()}`;
    await openFile(page, `${designName}.asl.json`, JSON.stringify(start, null, 2) + "\n");
    await page.locator('[data-tab="versions"]').click();
    await page.locator("#saved-message").fill("First version");
    await page.getByTestId("save-design").click();
    await expect(page.getByText("Saved version 1")).toBeVisible();

    await page.locator('[data-palette="wait"]').click();
    await expect(page.locator('[data-state="Wait"]')).toBeVisible();
    await page.locator("#saved-message").fill("Adds a Wait");
    await page.getByTestId("save-design").click();
    await expect(page.getByText("Saved version 2")).toBeVisible();
    await expect(page.getByTestId("versions")).toContainText("Adds a Wait");

    await page.locator("#diff-from").selectOption("1");
    await page.locator("#diff-to").selectOption("2");
    await page.getByRole("button", { name: "Show the diff" }).click();
    await expect(page.getByTestId("version-diff").locator(".diff-added").first()).toBeVisible();
    await expect(page.getByTestId("version-diff").locator(".diff-added")).toContainText(['"Wait"']);

    await page.getByRole("button", { name: "Restore version 1" }).click();
    await expect(page.locator('[data-state="Wait"]')).toHaveCount(0);
    await expect(page.getByTestId("versions")).toContainText("3");
    expect((await exportFile(page, "export-json")).text).toBe(JSON.stringify(start, null, 2) + "\n");
  });

  test("the simulator runs regular expressions in the browser, in JSONata and in JSONPath filters", async ({ page }) => {
    await openDesigner(page, { clear: true });
    // The browser's asl runs regex-lite, not regex (asl/src/regex_engine.rs): this is the proof
    // that its patterns, as the translations write them, compile and match in the bundle.
    const jsonata = {
      QueryLanguage: "JSONata",
      StartAt: "Tag",
      States: {
        Tag: {
          Type: "Pass",
          Output: "{% {'words': $match($states.input.text, /B\\w+/i).match, 'dashed': $replace($states.input.text, /\\s+/, '-')} %}",
          End: true,
        },
      },
    };
    await openFile(page, `regex-jsonata-${Date.now()}.asl.json`, JSON.stringify(jsonata, null, 2) + "\n");
    await page.locator('[data-state="Tag"]').click();
    await page.locator('[data-tab="simulate"]').click();
    await page.getByTestId("simulate-input").fill(JSON.stringify({ text: "bob  BAKES\u00a0bread" }));
    // The evaluator is a wasm module of its own, fetched on the first run, not with the page.
    const wasmFetched = () =>
      page.evaluate(() =>
        performance
          .getEntriesByType("resource")
          .map((entry) => new URL(entry.name).pathname)
          .filter((path) => path.endsWith(".wasm")),
      );
    expect(await wasmFetched()).toEqual(["/pkg/statehouse-designer_bg.wasm"]);
    await page.getByTestId("simulate-run").click();
    await expect(page.getByTestId("simulate-status")).toHaveAttribute("data-status", "SUCCEEDED");
    expect(await wasmFetched()).toEqual(["/pkg/statehouse-designer_bg.wasm", "/pkg/statehouse-simulator_bg.wasm"]);
    const output = await page.getByTestId("simulate-steps").locator('[data-step="Output"] pre').textContent();
    expect(JSON.parse(output!)).toEqual({ words: ["bob", "BAKES", "bread"], dashed: "bob-BAKES-bread" });

    const jsonpath = {
      StartAt: "Pick",
      States: { Pick: { Type: "Pass", Parameters: { "ids.$": "$.items[?(@.name =~ /ab.*/i)].id" }, End: true } },
    };
    await openFile(page, `regex-jsonpath-${Date.now()}.asl.json`, JSON.stringify(jsonpath, null, 2) + "\n");
    await page.locator('[data-state="Pick"]').click();
    await page.locator('[data-tab="simulate"]').click();
    const items = [
      { name: "Abacus", id: 1 },
      { name: "cab", id: 2 },
      { name: "abc", id: 3 },
    ];
    await page.getByTestId("simulate-input").fill(JSON.stringify({ items }));
    await page.getByTestId("simulate-run").click();
    await expect(page.getByTestId("simulate-status")).toHaveAttribute("data-status", "SUCCEEDED");
    const parameters = await page.getByTestId("simulate-steps").locator('[data-step="Parameters"] pre').textContent();
    expect(JSON.parse(parameters!)).toEqual({ ids: [1, 3] });
  });

  test("a palette Task added to a JSONata machine is written in JSONata", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { QueryLanguage: "JSONata", StartAt: "A", States: { A: { Type: "Pass", End: true } } };
    await openFile(page, `jsonata-${Date.now()}.asl.json`, JSON.stringify(start, null, 2) + "\n");
    await page.locator('[data-palette="lambda-invoke"]').click();
    await expect(page.locator('[data-state="Invoke Lambda"]')).toBeVisible();
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    const task = exported.States["Invoke Lambda"];
    expect(task.Arguments).toEqual({
      Payload: "{% $states.input %}",
      FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST",
    });
    expect(task.Output).toBe("{% $states.result.Payload %}");
    expect(task.Parameters).toBeUndefined();
    expect(task.OutputPath).toBeUndefined();
    await expect(page.getByTestId("problems")).not.toContainText("only supported for the 'JSONPath' QueryLanguage");
  });

  test("opening another design over unsaved work asks first, and nothing is lost by saying no", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const name = `unsaved-${Date.now()}`;
    const start = { StartAt: "A", States: { A: { Type: "Pass", End: true } } };
    await openFile(page, `${name}.asl.json`, JSON.stringify(start, null, 2) + "\n");
    const question = page.getByTestId("unsaved-question");

    // Unedited: a template opens at once.
    await page.getByTestId("template").selectOption("saga");
    await expect(page.getByTestId("design-name")).toHaveText("saga");
    await openFile(page, `${name}.asl.json`, JSON.stringify(start, null, 2) + "\n");

    // Edited: the template waits for an answer; "Keep editing" keeps the edit.
    await page.locator('[data-palette="wait"]').click();
    await expect(page.locator('[data-state="Wait"]')).toBeVisible();
    await page.getByTestId("template").selectOption("saga");
    // (A state added from the palette is placed where it is drawn: the layout changed too.)
    await expect(question).toContainText(`${name} has changes to the definition and the layout that are not saved or exported`);
    await expect(page.getByTestId("keep-editing")).toBeFocused();
    await expect(page.getByTestId("design-name")).toHaveText(name);
    await page.getByTestId("keep-editing").click();
    await expect(question).toHaveCount(0);
    await expect(page.getByTestId("notice")).toContainText(`Kept ${name} open`);
    await expect(page.locator('[data-state="Wait"]')).toBeVisible();

    // The question survives a reload: the draft keeps what was last written out.
    await page.reload();
    await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
    await expect(page.locator('[data-state="Wait"]')).toBeVisible();
    await page.getByTestId("template").focus();
    await page.getByTestId("template").selectOption("saga");
    await expect(question).toBeVisible();
    // Escape answers "Keep editing", and the focus goes back to the list it came from.
    await page.keyboard.press("Escape");
    await expect(question).toHaveCount(0);
    await expect(page.getByTestId("template")).toBeFocused();
    await expect(page.getByTestId("design-name")).toHaveText(name);

    // Exported: nothing is unsaved, so the template opens at once.
    const exported = await exportFile(page, "export-json");
    expect(JSON.parse(exported.text).States.Wait).toBeDefined();
    await page.getByTestId("template").selectOption("saga");
    await expect(page.getByTestId("design-name")).toHaveText("saga");
    await expect(question).toHaveCount(0);

    // Moved states count too, and "Discard" opens the other design.
    await drag(page, `[data-state="${(await page.locator("[data-state]").first().getAttribute("data-state"))!}"] .node-name`, [120, 60]);
    await page.getByTestId("open-file").setInputFiles({ name: `${name}.asl.json`, mimeType: "application/json", buffer: Buffer.from(JSON.stringify(start)) });
    await expect(question).toContainText("saga has changes to the layout that are not saved or exported");
    await page.getByTestId("discard-and-open").click();
    await expect(page.getByTestId("design-name")).toHaveText(name);
    await expect(page.locator("[data-state]")).toHaveCount(1);
  });

  test("the paste box takes the focus, and Escape closes it back to its button", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const button = page.getByRole("button", { name: "Paste…" });
    await expect(button).toHaveAttribute("aria-expanded", "false");
    await button.click();
    await expect(button).toHaveAttribute("aria-expanded", "true");
    await expect(page.getByTestId("paste-text")).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("paste-text")).toHaveCount(0);
    await expect(button).toBeFocused();
    await expect(button).toHaveAttribute("aria-expanded", "false");
  });

  test("YAML exports read back as the same definition", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const json = await exportFile(page, "export-json");
    const yaml = await exportFile(page, "export-yaml");
    expect(yaml.name).toBe(json.name.replace(".asl.json", ".asl.yaml"));
    await page.getByTestId("open-file").setInputFiles({ name: yaml.name, mimeType: "application/yaml", buffer: Buffer.from(yaml.text) });
    await expect(page.getByTestId("design-name")).toHaveText(yaml.name.replace(".asl.yaml", ""));
    const canonical = await exportFile(page, "export-canonical");
    expect(JSON.parse(canonical.text)).toEqual(JSON.parse(json.text));
  });

  test("every template opens as a graph of its states, without errors", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const ids = await page
      .getByTestId("template")
      .locator("option")
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value).filter((value) => value));
    expect(ids).toEqual(["order-processing", "human-approval", "saga", "distributed-map-csv", "express-pipeline"]);
    // What each template is for, as the issue lists them.
    const marks: Record<string, string[]> = {
      "order-processing": ['"Type": "Parallel"', '"Catch"'],
      "human-approval": [".waitForTaskToken", "$$.Task.Token"],
      saga: ['"Catch"', '"Cancel hotel"', '"Cancel flight"'],
      "distributed-map-csv": ['"DISTRIBUTED"', '"InputType": "CSV"'],
      "express-pipeline": ['"QueryLanguage": "JSONata"', "arn:aws:states:::events:putEvents"],
    };
    for (const id of ids) {
      await page.getByTestId("template").selectOption(id);
      await expect(page.getByTestId("design-name")).toHaveText(id);
      const text = (await exportFile(page, "export-json")).text;
      for (const mark of marks[id]) expect(text, id).toContain(mark);
      const definition = JSON.parse(text);
      const states = countStates(definition);
      expect(states, id).toBeGreaterThan(2);
      await expect(page.locator("[data-state]"), id).toHaveCount(states);
      await expect(page.locator(`[data-state="${definition.StartAt}"]`), id).toBeVisible();
      await expect(page.getByTestId("problems").locator('[data-severity="error"]'), id).toHaveCount(0);
    }
  });

  test("copy and paste, duplicate, Delete and Escape work from the keyboard, and a state moves into a Map", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "A",
      States: {
        A: { Type: "Pass", Result: { n: 1 }, Next: "M" },
        M: {
          Type: "Map",
          ItemProcessor: { StartAt: "Inner", States: { Inner: { Type: "Pass", End: true } } },
          End: true,
        },
        Loose: { Type: "Succeed" },
      },
    };
    await openFile(page, "keys.asl.json", JSON.stringify(start, null, 2) + "\n");
    await expect(page.locator("[data-state]")).toHaveCount(4);

    // Copy A, paste it (into A's scope, under a free name), then duplicate the pasted copy.
    await page.locator('[data-state="A"] .node-name').click();
    await expect(page.getByTestId("state-name")).toHaveValue("A");
    await page.keyboard.press("Control+c");
    await page.keyboard.press("Control+v");
    await expect(page.locator('[data-state="A 2"]')).toHaveAttribute("data-state-type", "Pass");
    await expect(page.getByTestId("state-name")).toHaveValue("A 2");
    await page.keyboard.press("Control+d");
    await expect(page.locator('[data-state="A 2 copy"]')).toBeVisible();

    // Delete removes the selected state (the duplicate), and the graph keeps the keyboard's
    // focus; Escape clears the selection, after which Delete removes nothing.
    await expect(page.getByTestId("state-name")).toHaveValue("A 2 copy");
    await page.locator('[data-state="A 2 copy"]').focus();
    await expect(page.locator('[data-state="A 2 copy"]')).toHaveAttribute("aria-pressed", "true");
    await expect(page.locator('[data-state="A"]')).toHaveAttribute("aria-pressed", "false");
    await page.keyboard.press("Delete");
    await expect(page.locator('[data-state="A 2 copy"]')).toHaveCount(0);
    await expect(page.getByTestId("canvas")).toBeFocused();
    await page.locator('[data-state="A 2"] .node-name').click();
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("state-name")).toHaveCount(0);
    await page.keyboard.press("Delete");
    await expect(page.locator("[data-state]")).toHaveCount(5);

    // Drag the loose state into the Map's item processor.
    await drag(page, '[data-state="Loose"] .node-name', '[data-group="/States/M"] > rect');
    await expect
      .poll(async () => JSON.parse((await exportFile(page, "export-json")).text).States.M.ItemProcessor.States.Loose)
      .toEqual({ Type: "Succeed" });

    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(Object.keys(exported.States)).toEqual(["A", "M", "A 2"]);
    expect(exported.States["A 2"]).toEqual({ Type: "Pass", Result: { n: 1 }, Next: "M" });
  });

  test("the inspector edits Retry and Catch, and builds a nested Choice rule", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "Work",
      States: {
        Work: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: "Route" },
        Route: { Type: "Choice", Choices: [{ Variable: "$.n", NumericLessThan: 0, Next: "Failed" }], Default: "Done" },
        Done: { Type: "Succeed" },
        Failed: { Type: "Fail", Error: "Negative" },
      },
    };
    await openFile(page, "inspector.asl.json", JSON.stringify(start, null, 2) + "\n");
    const inspector = page.getByTestId("inspector");

    // Retry: a retrier with two errors, five attempts and full jitter.
    await page.locator('[data-state="Work"] .node-name').click();
    await expect(page.getByTestId("state-name")).toHaveValue("Work");
    await inspector.getByTestId("retry-add").click();
    await inspector.getByTestId("retry-0-ErrorEquals").fill("States.Timeout, Lambda.ServiceException");
    await inspector.getByTestId("retry-0-ErrorEquals").press("Enter");
    await inspector.getByTestId("retry-0-MaxAttempts").fill("5");
    await inspector.getByTestId("retry-0-MaxAttempts").press("Enter");
    await inspector.getByTestId("retry-0-JitterStrategy").selectOption("FULL");
    // A bad number is refused with the field's name, and changes nothing.
    await inspector.getByTestId("retry-0-BackoffRate").fill("fast");
    await inspector.getByTestId("retry-0-BackoffRate").press("Enter");
    await expect(inspector.locator('[data-field="BackoffRate"] [role="alert"]')).toContainText("BackoffRate");

    // Catch: to the Fail state, the error kept at $.error; the graph shows the edge.
    await inspector.getByTestId("catch-add").click();
    await inspector.getByTestId("catch-0-Next").selectOption("Failed");
    await inspector.getByTestId("catch-0-ResultPath").fill("$.error");
    await inspector.getByTestId("catch-0-ResultPath").press("Enter");
    await expect(page.locator('[data-edge-from="Work"][data-edge-to="Failed"]')).toHaveAttribute("data-edge-kind", "catch");

    // Choice: a second rule, kind <- "gold" and not n > 10, going to Done.
    await page.locator('[data-state="Route"] .node-name').click();
    await expect(page.getByTestId("state-name")).toHaveValue("Route");
    await inspector.getByTestId("choice-add").click();
    await inspector.locator('[data-condition="1"] > [data-testid="cond-kind"]').selectOption("And");
    const first = inspector.locator('[data-condition="1/And/0"]');
    await first.getByTestId("cond-variable").fill("$.kind");
    await first.getByTestId("cond-variable").press("Enter");
    await first.getByTestId("cond-value").fill("gold");
    await first.getByTestId("cond-value").press("Enter");
    await inspector.getByTestId("choice-rule-1").getByTestId("cond-add").click();
    const second = inspector.locator('[data-condition="1/And/1"]');
    await second.getByTestId("cond-operator").selectOption("NumericGreaterThan");
    await second.getByTestId("cond-variable").fill("$.n");
    await second.getByTestId("cond-variable").press("Enter");
    await second.getByTestId("cond-value").fill("10");
    await second.getByTestId("cond-value").press("Enter");
    await inspector.locator('[data-condition="1/And/1"] > [data-testid="cond-kind"]').selectOption("Not");
    await inspector.getByTestId("choice-1-Next").selectOption("Done");
    await expect(page.locator('[data-edge-from="Route"][data-edge-to="Done"][data-edge-kind="choice"]')).toBeVisible();

    await expect
      .poll(async () => JSON.parse((await exportFile(page, "export-json")).text).States.Route.Choices[1])
      .toEqual({
        And: [
          { Variable: "$.kind", StringEquals: "gold" },
          { Not: { Variable: "$.n", NumericGreaterThan: 10 } },
        ],
        Next: "Done",
      });
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.States.Work.Retry).toEqual([
      {
        ErrorEquals: ["States.Timeout", "Lambda.ServiceException"],
        IntervalSeconds: 1,
        MaxAttempts: 5,
        BackoffRate: 2,
        JitterStrategy: "FULL",
      },
    ]);
    expect(exported.States.Work.Catch).toEqual([{ ErrorEquals: ["States.ALL"], Next: "Failed", ResultPath: "$.error" }]);
    expect(exported.States.Route.Choices[0]).toEqual({ Variable: "$.n", NumericLessThan: 0, Next: "Failed" });
  });

  test("switching a state to JSONata rewrites its fields, and shows the ones left to clear", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "Work",
      States: {
        Work: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "f", "Payload.$": "$.order" },
          ResultSelector: { "v.$": "$.Payload" },
          ResultPath: "$.result",
          Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Done" }],
          Next: "Done",
        },
        Done: { Type: "Succeed" },
      },
    };
    await openFile(page, "switch.asl.json", JSON.stringify(start, null, 2) + "\n");
    const inspector = page.getByTestId("inspector");
    await page.locator('[data-state="Work"] .node-name').click();
    await expect(inspector.getByTestId("field-Parameters")).toBeVisible();
    await expect(page.getByTestId("stray-fields")).toHaveCount(0);

    await inspector.getByTestId("query-language").selectOption("JSONata");
    // Parameters became Arguments, and the catcher's ResultPath an Output. The ResultSelector
    // and the ResultPath after it have no sure rewrite: they are kept, flagged by the validator,
    // and shown apart with their values.
    await expect(inspector.getByTestId("field-Arguments")).toHaveValue(/"Payload": "\{% \$states\.input\.order %\}"/);
    const stray = page.getByTestId("stray-fields");
    await expect(stray.getByTestId("field-ResultPath")).toHaveValue("$.result");
    await expect(stray.getByTestId("field-ResultSelector")).toHaveValue(/"v\.\$": "\$\.Payload"/);
    await expect(page.locator('[data-state="Work"]')).toHaveClass(/has-error/);

    await stray.getByTestId("field-ResultSelector").fill("");
    await stray.getByTestId("field-ResultSelector").blur();
    await expect(stray.getByTestId("field-ResultSelector")).toHaveCount(0);
    await stray.getByTestId("field-ResultPath").fill("");
    await stray.getByTestId("field-ResultPath").press("Enter");
    await expect(stray).toHaveCount(0);
    await expect(page.locator('[data-state="Work"]')).not.toHaveClass(/has-error/);
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.States.Work).toEqual({
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Arguments: { FunctionName: "f", Payload: "{% $states.input.order %}" },
      Catch: [{ ErrorEquals: ["States.ALL"], Output: '{% $merge([$states.input, {"error": $states.errorOutput}]) %}', Next: "Done" }],
      Next: "Done",
      QueryLanguage: "JSONata",
    });

    // Three undos give the JSONPath state back as it was.
    await page.locator("body").click({ position: { x: 2, y: 2 } });
    for (let undo = 0; undo < 3; undo++) await page.keyboard.press("Control+z");
    await expect
      .poll(async () => JSON.parse((await exportFile(page, "export-json")).text).States.Work)
      .toEqual(start.States.Work);
  });

  test("a fitted graph keeps clear of the minimap, which can be hidden for good", async ({ page }) => {
    await openDesigner(page, { clear: true });
    // A Parallel of four branches of four states: about as wide as the canvas for its height,
    // so fitted to the whole canvas it would reach under the minimap.
    const branches = Array.from({ length: 4 }, (_, i) => {
      const states: Record<string, object> = {};
      for (let j = 0; j < 4; j++) states[`Step ${i}.${j}`] = j < 3 ? { Type: "Pass", Next: `Step ${i}.${j + 1}` } : { Type: "Pass", End: true };
      return { StartAt: `Step ${i}.0`, States: states };
    });
    const wide = { StartAt: "Fan out", States: { "Fan out": { Type: "Parallel", Branches: branches, End: true } } };
    await openFile(page, "wide.asl.json", JSON.stringify(wide, null, 2));
    await expect(page.locator("[data-state]")).toHaveCount(17);
    await page.getByTestId("fit").click();
    const minimap = page.getByTestId("minimap");
    await expect(minimap).toBeVisible();
    const overlaps = async () => {
      const map = (await minimap.boundingBox())!;
      let count = 0;
      for (const node of await page.locator("[data-state]").all()) {
        const box = (await node.boundingBox())!;
        const apart =
          box.x + box.width <= map.x || map.x + map.width <= box.x || box.y + box.height <= map.y || map.y + map.height <= box.y;
        if (!apart) count += 1;
      }
      return count;
    };
    await expect.poll(overlaps).toBe(0);

    // Hidden, it stays hidden after a reload, and Fit then uses the whole canvas.
    const toggle = page.getByTestId("toggle-minimap");
    await expect(toggle).toHaveAttribute("aria-pressed", "true");
    const zoom = page.locator(".zoom-level");
    const shownZoom = parseInt((await zoom.textContent())!, 10);
    await toggle.click();
    await expect(minimap).toHaveCount(0);
    await expect(toggle).toHaveAttribute("aria-pressed", "false");
    await page.reload();
    await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
    await expect(page.locator("[data-state]")).toHaveCount(17);
    await expect(page.getByTestId("minimap")).toHaveCount(0);
    await page.getByTestId("fit").click();
    await expect.poll(async () => parseInt((await zoom.textContent())!, 10)).toBeGreaterThan(shownZoom);
    await page.getByTestId("toggle-minimap").click();
    await expect(page.getByTestId("minimap")).toBeVisible();
  });

  test("selecting a state marks its lines in the code and scrolls them into view", async ({ page }) => {
    await openDesigner(page, { clear: true });
    // Thirty states: the last ones are far below the code view's first screen (and the whole
    // graph still fits in the canvas).
    const states: Record<string, object> = {};
    for (let i = 0; i < 30; i++) states[`Step ${i}`] = i < 29 ? { Type: "Pass", Comment: `step ${i}`, Next: `Step ${i + 1}` } : { Type: "Succeed" };
    await openFile(page, "long.asl.json", JSON.stringify({ StartAt: "Step 0", States: states }, null, 2));
    const code = page.getByTestId("asl-code");
    await expect(code.locator(".cm-revealed")).toHaveCount(0);

    await page.locator('[data-state="Step 27"]').click();
    const marked = code.locator(".cm-revealed");
    // The state's key, its three fields and its closing brace.
    await expect(marked).toHaveCount(5);
    await expect(marked.first()).toContainText('"Step 27": {');
    await expect(marked.first()).toBeInViewport();
    await expect(marked.last()).toHaveText(/^\s*\},?$/);

    // An edit in the inspector keeps the mark on the state, and shows it in the code.
    await page.getByTestId("inspector").getByLabel("Comment").fill("the twenty-eighth step");
    await page.getByTestId("inspector").getByLabel("Comment").press("Tab");
    await expect(marked.nth(2)).toContainText('"the twenty-eighth step"');

    // Nothing selected, nothing marked.
    await page.locator('[data-state="Step 27"]').click();
    await page.keyboard.press("Escape");
    await expect(code.locator(".cm-revealed")).toHaveCount(0);
  });

  test("on a 1024-pixel screen the palette stays beside the graph, and on a phone its items wrap", async ({ page }) => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await openDesigner(page, { clear: true });
    const palette = (await page.getByTestId("palette").boundingBox())!;
    const canvas = (await page.getByTestId("canvas").boundingBox())!;
    const code = (await page.getByTestId("asl-code").boundingBox())!;
    expect(palette.x + palette.width).toBeLessThanOrEqual(canvas.x);
    expect(canvas.y).toBeLessThan(300);
    expect(canvas.width).toBeGreaterThan(600);
    expect(code.y).toBeGreaterThan(canvas.y + canvas.height);

    await page.setViewportSize({ width: 600, height: 900 });
    const pass = (await page.getByTestId("palette").getByRole("button", { name: "Pass", exact: true }).boundingBox())!;
    const task = (await page.getByTestId("palette").getByRole("button", { name: "Task", exact: true }).boundingBox())!;
    expect(task.y).toBe(pass.y);
    expect((await page.getByTestId("canvas").boundingBox())!.y).toBeLessThan(900);
  });

  test("a name typed in a Parallel's first branch moves only what it widens, not the whole picture", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const branch = (first: string, next?: string) => ({
      StartAt: first,
      States: next ? { [first]: { Type: "Pass", Next: next }, [next]: { Type: "Pass", End: true } } : { [first]: { Type: "Pass", End: true } },
    });
    const start = {
      StartAt: "A",
      States: {
        A: { Type: "Pass", Next: "P" },
        P: { Type: "Parallel", Next: "Z", Branches: [branch("L"), branch("R", "S")] },
        Z: { Type: "Succeed" },
      },
    };
    await openFile(page, "fan.asl.json", JSON.stringify(start, null, 2) + "\n");
    const startMarker = async () => page.locator('[data-marker="start"]').getAttribute("transform");
    const before = { start: await startMarker(), a: await nodePosition(page, "A"), z: await nodePosition(page, "Z") };

    // A long name makes the first branch's state wider: its branch grows to the left of
    // everything else drawn. Typed over the key, as a person renames it.
    const long = "Check the customer's credit before anything else";
    const key = page.getByTestId("asl-code").locator(".cm-line", { hasText: '"L": {' });
    await key.locator("span", { hasText: '"L"' }).dblclick();
    await page.keyboard.insertText(long);
    await expect(page.locator(`[data-state="${long}"]`)).toHaveCount(1);

    // The states outside the Parallel, and the start, stay where they were drawn.
    expect(await startMarker()).toBe(before.start);
    expect(await nodePosition(page, "A")).toEqual(before.a);
    expect(await nodePosition(page, "Z")).toEqual(before.z);
    // The wider state reaches further left than the branch did.
    expect((await nodePosition(page, long))[0]).toBeLessThan(before.a[0]);
  });

  test("a large graph is drawn in layers that let the pointer through and keep the order written", async ({ page }) => {
    await openDesigner(page, { clear: true });
    // 153 states: more than two layers of 64, all in view at once.
    const names = (branch: number) => Array.from({ length: 50 }, (_, i) => `B${branch}-${String(i + 1).padStart(2, "0")}`);
    const chain = (branch: number) => {
      const [first, ...rest] = names(branch);
      const states: Record<string, object> = {};
      names(branch).forEach((name, i) => (states[name] = rest[i] ? { Type: "Pass", Next: rest[i] } : { Type: "Pass", End: true }));
      return { StartAt: first, States: states };
    };
    const definition = {
      StartAt: "A",
      States: {
        A: { Type: "Pass", Next: "P" },
        P: { Type: "Parallel", Branches: [chain(1), chain(2), chain(3)], Next: "Z" },
        Z: { Type: "Succeed" },
      },
    };
    await openFile(page, "layers.asl.json", JSON.stringify(definition, null, 2) + "\n");
    const written = ["A", "P", ...names(1), ...names(2), ...names(3), "Z"];
    await expect(page.locator("[data-state]")).toHaveCount(written.length);
    const layers = await page.evaluate(() =>
      [...document.querySelectorAll(".graph-layers > svg")]
        .map((svg) => [...svg.querySelectorAll("[data-state]")].map((node) => node.getAttribute("data-state")))
        .filter((names) => names.length > 0),
    );
    expect(layers.length).toBeGreaterThanOrEqual(3);
    expect(layers.flat()).toEqual(written);

    // A state in the lowest layer takes a click through the layers over it, and a drag.
    await page.locator('[data-state="B1-01"]').click();
    await expect(page.locator('[data-state="B1-01"]')).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByTestId("state-name")).toHaveValue("B1-01");
    const before = await nodePosition(page, "B1-02");
    // (A few pixels at this zoom, so it stays in its branch.)
    await drag(page, '[data-state="B1-02"] .node-box', [3, 0]);
    await expect.poll(async () => (await nodePosition(page, "B1-02"))[0]).toBeGreaterThan(before[0] + 10);

    // Tab goes from the last state of one layer to the first of the next, as written.
    const last = layers[0][layers[0].length - 1];
    await page.locator(`[data-state="${last}"]`).focus();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("data-state"));
    expect(focused).toBe(layers[1][0]);
    expect(written.indexOf(focused!)).toBe(written.indexOf(last) + 1);
  });

  test("a state renamed in the code view keeps its place on the graph and stays selected", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "Alpha",
      States: { Alpha: { Type: "Pass", Next: "Beta" }, Beta: { Type: "Pass", Next: "Gamma" }, Gamma: { Type: "Succeed" } },
    };
    await openFile(page, "renamed.asl.json", JSON.stringify(start, null, 2) + "\n");
    await drag(page, '[data-state="Beta"] .node-name', [200, 40]);
    await expect(page.locator('[data-state="Beta"]')).toHaveAttribute("data-placed", "true");
    const placed = await nodePosition(page, "Beta");
    await page.locator('[data-state="Beta"] .node-name').click();
    await expect(page.getByTestId("state-name")).toHaveValue("Beta");

    // Rename it by hand, through text that cannot be read: `"Beta": {` loses `Beta"`, then
    // gets `Bravo"` typed in its place.
    const key = page.getByTestId("asl-code").locator(".cm-line", { hasText: '"Beta": {' });
    await key.locator("span", { hasText: '"Beta"' }).dblclick();
    await page.keyboard.press("Shift+ArrowRight");
    await page.keyboard.press("Backspace");
    await expect(page.getByTestId("syntax-error")).toBeVisible();
    await page.keyboard.insertText('Bravo"');
    await expect(page.getByTestId("syntax-error")).toHaveCount(0);

    await expect(page.locator('[data-state="Bravo"]')).toHaveAttribute("data-placed", "true");
    expect(await nodePosition(page, "Bravo")).toEqual(placed);
    await expect(page.getByTestId("state-name")).toHaveValue("Bravo");
    const sidecar = JSON.parse((await exportFile(page, "export-layout")).text);
    expect(Object.keys(sidecar.positions)).toEqual(["Bravo"]);
  });

  test("a duplicated or pasted Parallel or Map names the states inside it afresh", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "Fan",
      States: {
        Fan: {
          Type: "Parallel",
          Branches: [
            { StartAt: "Left", States: { Left: { Type: "Pass", Next: "Last" }, Last: { Type: "Pass", End: true } } },
          ],
          Next: "Each",
        },
        Each: {
          Type: "Map",
          ItemProcessor: { StartAt: "Item", States: { Item: { Type: "Pass", End: true } } },
          End: true,
        },
      },
    };
    await openFile(page, "groups.asl.json", JSON.stringify(start, null, 2) + "\n");
    await page.locator('[data-state="Fan"] .node-name').click();
    await page.keyboard.press("Control+d");
    await expect(page.locator('[data-state="Fan copy"]')).toBeVisible();
    await page.locator('[data-state="Each"] .node-name').click();
    await page.keyboard.press("Control+c");
    await page.keyboard.press("Control+v");
    await expect(page.locator('[data-state="Each 2"]')).toBeVisible();
    // Two Maps from the palette, whose item processors start with the same state.
    await page.locator('[data-palette="map"]').click();
    await page.locator('[data-palette="map"]').click();
    await expect(page.locator('[data-state="Map 2"]')).toBeVisible();

    const names = await page.locator("[data-state]").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-state")));
    expect(names).toHaveLength(14);
    expect(new Set(names).size).toBe(names.length);
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.States["Fan copy"].Branches[0]).toEqual({
      StartAt: "Left 2",
      States: { "Left 2": { Type: "Pass", Next: "Last 2" }, "Last 2": { Type: "Pass", End: true } },
    });
    expect(exported.States["Each 2"].ItemProcessor.StartAt).toBe("Item 2");
    expect(Object.keys(exported.States["Each 2"].ItemProcessor.States)).toEqual(["Item 2"]);
    // The copies are unreachable, as any new state is; no name is used twice.
    await expect(page.getByTestId("problems")).toContainText('State "Map 2" is not reachable');
    await expect(page.getByTestId("problems")).not.toContainText("DUPLICATE_STATE_NAME");
  });

  test("what was typed a moment before an undo, an export or leaving the page is kept", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Succeed" } } };
    await openFile(page, "typing.asl.json", JSON.stringify(start, null, 2) + "\n");
    const code = page.getByTestId("asl-code").locator(".cm-content");
    // Types at the end of line 5, `"Type": "Pass",` of state A.
    const typeInA = async (text: string) => {
      await code.click();
      await page.keyboard.press("Control+Home");
      for (let line = 1; line < 5; line++) await page.keyboard.press("ArrowDown");
      await page.keyboard.press("End");
      await page.keyboard.insertText(text);
    };
    await typeInA(' "Comment": "one",');
    await expect(page.getByTestId("undo")).toBeEnabled();

    // Undo at once undoes what was just typed, not the step before it (typed after a pause of
    // more than a second: typing within a second of the last is one undo step with it).
    await page.waitForTimeout(1_200);
    await typeInA(' "Result": 2,');
    await page.getByTestId("undo").click();
    await expect(code).toContainText('"Comment": "one",');
    await expect(code).not.toContainText('"Result"');

    // An export at once writes what is on the screen.
    await typeInA(' "Result": 3,');
    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.States.A).toEqual({ Type: "Pass", Comment: "one", Result: 3, Next: "B" });

    // So does leaving the page: the draft has it.
    await typeInA(' "OutputPath": "$",');
    await page.reload();
    await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId("asl-code").locator(".cm-content")).toContainText('"OutputPath": "$",');
  });

  test("a state dropped into a branch it cannot move into stays where it was", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "Fan",
      States: {
        Fan: { Type: "Parallel", Branches: [{ StartAt: "Left", States: { Left: { Type: "Pass", End: true } } }], Next: "Loose" },
        Loose: { Type: "Pass", Next: "Done" },
        Done: { Type: "Succeed" },
      },
    };
    await openFile(page, "refused.asl.json", JSON.stringify(start, null, 2) + "\n");
    const before = await nodePosition(page, "Loose");
    await drag(page, '[data-state="Loose"] .node-name', '[data-state="Left"] .node-name');
    // Its transition to Done would leave the branch: the move is refused and says so.
    await expect(page.getByTestId("notice")).toContainText("Cannot move Loose");
    await expect(page.locator(".drag-layer .node")).toHaveCount(0);
    expect(await nodePosition(page, "Loose")).toEqual(before);
    await expect(page.locator('[data-state="Loose"]')).not.toHaveAttribute("data-placed", "true");
    await expect(page.getByTestId("undo")).toBeDisabled();
  });

  test("Ctrl+C copies text selected on the page, and the selected state when there is none", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = {
      StartAt: "A",
      States: { A: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: "f" }, Next: "B" }, B: { Type: "Succeed" } },
    };
    await openFile(page, "copying.asl.json", JSON.stringify(start, null, 2) + "\n");
    await page.evaluate(() => {
      (window as any).copied = [];
      document.addEventListener("copy", () => (window as any).copied.push(String(getSelection())));
    });
    // A state is selected, and then a problem's message is selected as text: that is what is copied.
    await page.locator('[data-state="A"] .node-name').click();
    await expect(page.getByTestId("state-name")).toHaveValue("A");
    const message = page.getByTestId("problems").getByText("has no Catch");
    await message.evaluate((element) => getSelection()?.selectAllChildren(element));
    await page.keyboard.press("Control+c");
    await expect.poll(() => page.evaluate(() => (window as any).copied)).toEqual([await message.innerText()]);
    await expect(page.getByTestId("notice")).not.toContainText("Copied A");

    // Without text selected, Ctrl+C copies the state, and Ctrl+V pastes it.
    await page.locator('[data-state="A"] .node-name').click();
    await page.evaluate(() => getSelection()?.removeAllRanges());
    await page.keyboard.press("Control+c");
    await expect(page.getByTestId("notice")).toHaveText("Copied A.");
    await page.keyboard.press("Control+v");
    await expect(page.locator('[data-state="A 2"]')).toHaveAttribute("data-state-type", "Task");
  });

  test("undoing and redoing a rename keeps the renamed state selected", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Succeed" } } };
    await openFile(page, "undo-rename.asl.json", JSON.stringify(start, null, 2) + "\n");
    await page.locator('[data-state="A"] .node-name').click();
    await page.getByTestId("state-name").fill("Xray");
    await page.getByTestId("state-name").press("Enter");
    await expect(page.locator('[data-state="Xray"]')).toBeVisible();
    await expect(page.getByTestId("state-name")).toHaveValue("Xray");

    await page.getByTestId("undo").click();
    await expect(page.locator('[data-state="A"]')).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByTestId("state-name")).toHaveValue("A");
    await page.getByTestId("redo").click();
    await expect(page.locator('[data-state="Xray"]')).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByTestId("state-name")).toHaveValue("Xray");
  });

  test("a field typed in the inspector is kept when another state or the background is clicked", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Next: "C" }, C: { Type: "Succeed" } } };
    await openFile(page, "fields.asl.json", JSON.stringify(start, null, 2) + "\n");
    await page.locator('[data-state="A"] .node-name').click();
    await page.getByTestId("field-Comment").fill("checks the order");
    // Straight from the field to another state: its form replaces A's.
    await page.locator('[data-state="B"] .node-name').click();
    await expect(page.getByTestId("state-name")).toHaveValue("B");
    await page.getByTestId("field-Parameters").fill('{"id.$": "$.id"}');
    // And from there to the graph's background, which clears the selection.
    const canvas = (await page.getByTestId("canvas").boundingBox())!;
    await page.getByTestId("canvas").click({ position: { x: 20, y: canvas.height - 20 } });
    await expect(page.getByTestId("state-name")).toHaveCount(0);

    const exported = JSON.parse((await exportFile(page, "export-json")).text);
    expect(exported.States.A).toEqual({ Type: "Pass", Next: "B", Comment: "checks the order" });
    expect(exported.States.B).toEqual({ Type: "Pass", Next: "C", Parameters: { "id.$": "$.id" } });
  });

  test("with the designer open in two tabs, a reload gives each tab its own work back", async ({ page, context }) => {
    await openDesigner(page, { clear: true });
    const first = { StartAt: "First", States: { First: { Type: "Pass", End: true } } };
    await openFile(page, "first-tab.asl.json", JSON.stringify(first, null, 2) + "\n");
    await page.locator('[data-palette="wait"]').click();
    await expect(page.locator('[data-state="Wait"]')).toBeVisible();

    // A second tab opens with the last draft, then opens another design over it and edits it.
    const other = await context.newPage();
    await openDesigner(other, { clear: false });
    await expect(other.getByTestId("design-name")).toHaveText("first-tab");
    const second = { StartAt: "Second", States: { Second: { Type: "Succeed" } } };
    await other.getByTestId("open-file").setInputFiles({
      name: "second-tab.asl.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(second, null, 2) + "\n"),
    });
    await other.getByTestId("discard-and-open").click();
    await expect(other.getByTestId("design-name")).toHaveText("second-tab");
    await other.locator('[data-palette="pass"]').click();
    await expect(other.locator('[data-state="Pass"]')).toBeVisible();

    // Each tab reloads to its own design and edits; a new tab gets the last one edited.
    await page.reload();
    await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId("design-name")).toHaveText("first-tab");
    await expect(page.locator('[data-state="Wait"]')).toBeVisible();
    await other.reload();
    await expect(other.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
    await expect(other.getByTestId("design-name")).toHaveText("second-tab");
    await expect(other.locator('[data-state="Pass"]')).toBeVisible();
    const third = await context.newPage();
    await openDesigner(third, { clear: false });
    await expect(third.getByTestId("design-name")).toHaveText("second-tab");
  });

  test("restoring a version over unsaved work asks first, and keeping the work restores nothing", async ({ page }) => {
    await openDesigner(page, { clear: true });
    const start = { StartAt: "A", States: { A: { Type: "Pass", End: true } } };
    await openFile(page, `restore-${Date.now()}.asl.json`, JSON.stringify(start, null, 2) + "\n");
    await page.locator('[data-tab="versions"]').click();
    await page.locator("#saved-message").fill("First version");
    await page.getByTestId("save-design").click();
    await expect(page.getByText("Saved version 1")).toBeVisible();
    await page.locator('[data-palette="wait"]').click();
    await expect(page.locator('[data-state="Wait"]')).toBeVisible();

    // Keeping the Wait: the design stays as it is, and the history gains no version, so the
    // next save is version 2.
    await page.getByRole("button", { name: "Restore version 1" }).click();
    await page.getByTestId("keep-editing").click();
    await expect(page.locator('[data-state="Wait"]')).toBeVisible();
    await page.locator("#saved-message").fill("Keeps the Wait");
    await page.getByTestId("save-design").click();
    await expect(page.getByText("Saved version 2")).toBeVisible();

    // Dropping new work: version 1 is open, and restored as version 3.
    await page.locator('[data-palette="pass"]').click();
    await expect(page.locator('[data-state="Pass"]')).toBeVisible();
    await page.getByRole("button", { name: "Restore version 1" }).click();
    await page.getByTestId("discard-and-open").click();
    await expect(page.locator('[data-state="Wait"]')).toHaveCount(0);
    await expect(page.locator('[data-state="Pass"]')).toHaveCount(0);
    await expect(page.getByText("Restored version 1 as version 3")).toBeVisible();
    expect((await exportFile(page, "export-json")).text).toBe(JSON.stringify(start, null, 2) + "\n");
  });
});
