// The designer's code editor (`app/editor/`, CodeMirror behind `window.StatehouseEditor`):
// loaded from /pkg/statehouse-editor.js into the start page and driven through its API and the
// keyboard, the way the designer's wasm will drive it. Its colours follow the page's light or dark scheme.
import { expect, test, type Locator, type Page } from "@playwright/test";

// Line 3 is `  "StartAt": "Hello",`; the test below puts an error on it.
const DEFINITION = `{
  "Comment": "Says hello",
  "StartAt": "Hello",
  "TimeoutSeconds": 60,
  "States": {
    "Hello": { "Type": "Pass", "End": true }
  }
}`;

/** The debounce the tests create editors with: long enough that typing is one burst. */
const CHANGE_DELAY_MS = 300;

/** What the page recorded: each onChange call with its time, and the time of the last key. */
type Recorded = { changes: { text: string; at: number }[]; lastKeyAt: number };

declare global {
  interface Window {
    StatehouseEditor: {
      create(
        parent: HTMLElement,
        options: {
          text: string;
          language: "json" | "yaml";
          onChange?: (text: string) => void;
          changeDelayMs?: number;
          minChangeDelayMs?: number;
          reportFirstAtOnce?: boolean;
          readOnly?: boolean;
        },
      ): number;
      setText(id: number, text: string): void;
      getText(id: number): string;
      setLanguage(id: number, language: "json" | "yaml"): void;
      setDiagnostics(
        id: number,
        diagnostics: { from: number; to: number; severity: "error" | "warning" | "info"; message: string }[],
        options?: { ofReported?: boolean },
      ): void;
      select(id: number, from: number, to: number): void;
      reveal(id: number, from: number, to: number, top: boolean): void;
      flush(id: number): boolean;
      destroy(id: number): void;
    };
    editorId: number;
    recorded: Recorded;
  }
}

/** The errors each page logged, checked after every test. */
const pageProblems = new WeakMap<Page, string[]>();

/** Opens the start page, loads the editor bundle and creates an editor in a fixed 640×240 box. */
async function openEditor(page: Page, text: string = DEFINITION): Promise<number> {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  pageProblems.set(page, problems);

  expect((await page.goto("/"))?.status()).toBe(200);
  // Let the page hydrate before adding to it.
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((r) => r.name.endsWith(".wasm")));
  await page.addScriptTag({ url: "/pkg/statehouse-editor.js" });
  return page.evaluate(
    ({ text, delay }) => {
      const host = document.createElement("div");
      host.id = "editor-host";
      host.style.cssText = "position:fixed;top:0;left:0;width:640px;height:240px;z-index:10";
      document.body.append(host);
      window.recorded = { changes: [], lastKeyAt: 0 };
      host.addEventListener("keydown", () => (window.recorded.lastKeyAt = performance.now()), { capture: true });
      window.editorId = window.StatehouseEditor.create(host, {
        text,
        language: "json",
        changeDelayMs: delay,
        onChange: (changed) => window.recorded.changes.push({ text: changed, at: performance.now() }),
      });
      return window.editorId;
    },
    { text, delay: CHANGE_DELAY_MS },
  );
}

/**
 * A second editor below the first, created with `options` and its cursor at `at`; its changes
 * and keys are recorded (in place of the first editor's).
 */
async function openSecondEditor(
  page: Page,
  text: string,
  options: { changeDelayMs: number; minChangeDelayMs?: number; reportFirstAtOnce?: boolean },
  at: number,
): Promise<number> {
  return page.evaluate(
    ({ text, options, at }) => {
      const host = document.createElement("div");
      host.style.cssText = "position:fixed;top:260px;left:0;width:640px;height:120px;z-index:10";
      document.body.append(host);
      window.recorded = { changes: [], lastKeyAt: 0 };
      host.addEventListener("keydown", () => (window.recorded.lastKeyAt = performance.now()), { capture: true });
      const id = window.StatehouseEditor.create(host, {
        text,
        language: "json",
        ...options,
        onChange: (changed) => window.recorded.changes.push({ text: changed, at: performance.now() }),
      });
      window.StatehouseEditor.select(id, at, at);
      return id;
    },
    { text, options, at },
  );
}

test.afterEach(async ({ page }) => {
  expect(pageProblems.get(page) ?? []).toEqual([]);
});

const recorded = (page: Page) => page.evaluate(() => window.recorded);
const editorText = (page: Page) => page.evaluate(() => window.StatehouseEditor.getText(window.editorId));
const colour = (element: Locator) => element.evaluate((node) => getComputedStyle(node).color);

test("the editor fills its box, numbers its lines and highlights JSON", async ({ page }) => {
  await openEditor(page);
  const editor = page.locator("#editor-host .cm-editor");
  await expect(editor).toBeVisible();
  expect(await editor.boundingBox()).toEqual(await page.locator("#editor-host").boundingBox());

  const lineNumbers = page.locator(".cm-lineNumbers .cm-gutterElement");
  for (const number of ["1", "3", "8"]) {
    await expect(lineNumbers.getByText(number, { exact: true })).toBeVisible();
  }
  await expect(page.locator(".cm-content .cm-line")).toHaveCount(8);

  // Strings, numbers and booleans each get their own colour, none of them the plain text's.
  const plain = await colour(page.locator(".cm-content"));
  const string = await colour(page.locator(".cm-line span", { hasText: '"Pass"' }));
  const number = await colour(page.locator(".cm-line span", { hasText: /^60$/ }));
  const boolean = await colour(page.locator(".cm-line span", { hasText: /^true$/ }));
  expect(new Set([plain, string, number, boolean]).size).toBe(4);
});

test("the editor follows the page's dark scheme, and keys read apart from string values", async ({ page }) => {
  /** Relative luminance (0 black, 1 white) of a CSS `rgb(…)` colour. */
  const luminance = (css: string) => {
    const [r, g, b] = css.match(/[\d.]+/g)!.slice(0, 3).map((value) => {
      const channel = Number(value) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a: string, b: string) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const background = (page: Page) => page.locator("#editor-host .cm-editor").evaluate((node) => getComputedStyle(node).backgroundColor);
  const key = (page: Page) => colour(page.locator(".cm-line span", { hasText: '"StartAt"' }));
  const value = (page: Page) => colour(page.locator(".cm-line span", { hasText: '"Hello"' }).first());

  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await openEditor(page);
    const back = await background(page);
    // Dark on light, or light on dark, like the page's cards around it.
    expect(luminance(back) > 0.5, `${scheme} background ${back}`).toBe(scheme === "light");
    for (const text of [await colour(page.locator(".cm-content")), await key(page), await value(page)]) {
      expect(contrast(text, back), `${scheme}: ${text} on ${back}`).toBeGreaterThanOrEqual(4.5);
    }
    expect(await key(page)).not.toEqual(await value(page));
  }
});

test("setLanguage switches the highlighting to YAML without touching the text", async ({ page }) => {
  const yamlText = "StartAt: Hello\nStates:\n  Hello:\n    Type: Pass\n    End: true\n";
  const id = await openEditor(page, yamlText);
  await expect(page.locator(".cm-line span", { hasText: /^StartAt$/ })).toHaveCount(0);

  await page.evaluate((id) => window.StatehouseEditor.setLanguage(id, "yaml"), id);
  const key = page.locator(".cm-line span", { hasText: /^StartAt$/ });
  await expect(key).toHaveCount(1);
  expect(await colour(key)).not.toBe(await colour(page.locator(".cm-content")));
  expect(await editorText(page)).toBe(yamlText);
  await page.waitForTimeout(CHANGE_DELAY_MS * 2);
  expect((await recorded(page)).changes).toEqual([]);
});

test("with a shortest pause, a short text is reported sooner and a long one after the whole pause", async ({ page }) => {
  await openEditor(page);
  // Two more editors, each waiting 20 to 400 ms by the length of its text (1 ms per 2,500
  // characters): a short text waits 20 ms, a text of a million characters the whole 400.
  const pauses = async (text: string) => {
    const id = await openSecondEditor(page, text, { changeDelayMs: 400, minChangeDelayMs: 20 }, 1);
    await page.keyboard.type("x");
    await expect.poll(async () => (await recorded(page)).changes.length).toBe(1);
    const { changes, lastKeyAt } = await recorded(page);
    await page.evaluate((id) => window.StatehouseEditor.destroy(id), id);
    return changes[0].at - lastKeyAt;
  };
  expect(await pauses(DEFINITION)).toBeLessThan(200);
  expect(await pauses(`"${"a".repeat(1_000_000)}"`)).toBeGreaterThanOrEqual(399);
});

test("with reportFirstAtOnce, a change after a pause that leaves readable JSON is reported at once, and the rest of its burst after the pause", async ({ page }) => {
  await openEditor(page);
  const id = await openSecondEditor(page, '"ab"', { changeDelayMs: 600, reportFirstAtOnce: true }, 3);
  // The first key after a quiet moment is reported long before the 600 ms pause.
  await page.keyboard.type("x");
  await expect.poll(async () => (await recorded(page)).changes.length).toBe(1);
  let { changes, lastKeyAt } = await recorded(page);
  expect(changes[0].text).toBe('"abx"');
  expect(changes[0].at - lastKeyAt).toBeLessThan(300);

  // Keys that follow within the pause wait for it, and are reported once.
  await page.keyboard.type("yz");
  await expect.poll(async () => (await recorded(page)).changes.length, { timeout: 3_000 }).toBe(2);
  ({ changes, lastKeyAt } = await recorded(page));
  expect(changes[1].text).toBe('"abxyz"');
  expect(changes[1].at - lastKeyAt).toBeGreaterThanOrEqual(599);

  // After a quiet moment, the next key is again reported at once, and nothing after it.
  await page.waitForTimeout(700);
  await page.keyboard.type("!");
  await expect.poll(async () => (await recorded(page)).changes.length).toBe(3);
  ({ changes, lastKeyAt } = await recorded(page));
  expect(changes[2].at - lastKeyAt).toBeLessThan(300);
  expect(changes.map((change) => change.text)).toEqual(['"abx"', '"abxyz"', '"abxyz!"']);
  await page.waitForTimeout(800);
  expect((await recorded(page)).changes).toHaveLength(3);

  // A first key that leaves the JSON unreadable waits for the pause like the rest of its burst,
  // so no error is marked in the middle of typing that is about to fix it.
  await page.keyboard.press("End");
  await page.keyboard.type(",");
  await expect.poll(async () => (await recorded(page)).changes.length, { timeout: 3_000 }).toBe(4);
  ({ changes, lastKeyAt } = await recorded(page));
  expect(changes[3].text).toBe('"abxyz!",');
  expect(changes[3].at - lastKeyAt).toBeGreaterThanOrEqual(599);
  await page.evaluate((id) => window.StatehouseEditor.destroy(id), id);
});

test("typing reports the new text once, after the debounce", async ({ page }) => {
  const id = await openEditor(page);
  // Double-click the word Hello in `"StartAt": "Hello"` and type over it.
  const line = page.locator(".cm-line", { hasText: '"StartAt"' });
  await line.locator("span", { hasText: '"Hello"' }).dblclick();
  await page.keyboard.type("World");
  const expected = DEFINITION.replace('"StartAt": "Hello"', '"StartAt": "World"');
  await expect(line).toHaveText('  "StartAt": "World",');

  await expect.poll(async () => (await recorded(page)).changes.length).toBe(1);
  const { changes, lastKeyAt } = await recorded(page);
  expect(changes[0].text).toBe(expected);
  expect(changes[0].at - lastKeyAt).toBeGreaterThanOrEqual(CHANGE_DELAY_MS - 1);
  expect(await editorText(page)).toBe(expected);

  // flush delivers a pending change at once rather than after the delay, and says so; with
  // nothing pending it delivers nothing.
  await page.keyboard.type("!");
  const flushed = await page.evaluate((id) => {
    const first = window.StatehouseEditor.flush(id);
    const second = window.StatehouseEditor.flush(id);
    return { first, second, changes: window.recorded.changes.length };
  }, id);
  expect(flushed).toEqual({ first: true, second: false, changes: 2 });
  expect((await recorded(page)).changes[1].text).toBe(expected.replace('"World"', '"World!"'));
});

test("setText replaces the text without reporting it as a change", async ({ page }) => {
  const id = await openEditor(page);
  const replacement = DEFINITION.replace('"Says hello"', '"Says goodbye"');
  await page.evaluate(({ id, text }) => window.StatehouseEditor.setText(id, text), { id, text: replacement });
  await expect(page.locator(".cm-line", { hasText: '"Comment"' })).toHaveText('  "Comment": "Says goodbye",');
  expect(await editorText(page)).toBe(replacement);

  // A user's edit still pending when the text is replaced is dropped with it.
  await page.locator(".cm-line", { hasText: '"Comment"' }).click();
  await page.keyboard.press("End");
  await page.keyboard.type(" ");
  await page.evaluate(({ id, text }) => window.StatehouseEditor.setText(id, text), { id, text: DEFINITION });
  expect(await editorText(page)).toBe(DEFINITION);

  await page.waitForTimeout(CHANGE_DELAY_MS * 3);
  expect((await recorded(page)).changes).toEqual([]);
});

test("diagnostics show in the gutter and underline their text", async ({ page }) => {
  const id = await openEditor(page);
  const from = DEFINITION.indexOf('"Hello"');
  const endOfLine2 = DEFINITION.indexOf("\n", DEFINITION.indexOf('"Comment"'));
  await page.evaluate(
    ({ id, from, endOfLine2 }) =>
      window.StatehouseEditor.setDiagnostics(id, [
        { from, to: from + 7, severity: "error", message: "State Hello is not defined" },
        // Zero-width at the end of line 2: widened onto its last character.
        { from: endOfLine2, to: endOfLine2, severity: "warning", message: "Trailing comment" },
        // Past the end of the text: clamped onto its last character.
        { from: 10_000, to: 20_000, severity: "info", message: "Out of range" },
      ]),
    { id, from, endOfLine2 },
  );

  const error = page.locator(".cm-lintRange-error");
  await expect(error).toHaveCount(1);
  await expect(error).toHaveText('"Hello"');
  await expect(page.locator(".cm-lintRange-warning")).toHaveText(",");
  await expect(page.locator(".cm-lintRange-info")).toHaveText("}");

  // The gutter marks line 3 with an error: the marker sits level with the third line.
  const marker = page.locator(".cm-lint-marker-error");
  await expect(marker).toHaveCount(1);
  await expect(marker).toBeVisible();
  const markerBox = await marker.boundingBox();
  const lineBox = await page.locator(".cm-content .cm-line").nth(2).boundingBox();
  expect(markerBox && lineBox).toBeTruthy();
  const markerMiddle = markerBox!.y + markerBox!.height / 2;
  expect(markerMiddle).toBeGreaterThan(lineBox!.y);
  expect(markerMiddle).toBeLessThan(lineBox!.y + lineBox!.height);
  await expect(page.locator(".cm-lint-marker-warning")).toHaveCount(1);

  // Hovering the marker tells what is wrong.
  await marker.hover();
  await expect(page.locator(".cm-tooltip")).toContainText("State Hello is not defined");
});

test("diagnostics set again after an edit moved them are kept as drawn; changed ones replace them", async ({ page }) => {
  const id = await openEditor(page);
  const diagnostic = (text: string, message: string) => {
    const from = text.indexOf('"Hello"');
    return { from, to: from + 7, severity: "error" as const, message };
  };
  const set = (diagnostics: ReturnType<typeof diagnostic>[]) =>
    page.evaluate(({ id, diagnostics }) => window.StatehouseEditor.setDiagnostics(id, diagnostics), { id, diagnostics });
  await set([diagnostic(DEFINITION, "State Hello is not defined")]);
  const range = page.locator(".cm-lintRange-error");
  await expect(range).toHaveText('"Hello"');

  // Typing before it moves it with the text; the same diagnostic found again at its new place
  // is the one shown, so the editor draws nothing again (the underline is the same element).
  await page.locator(".cm-line", { hasText: '"Comment"' }).click();
  await page.keyboard.press("End");
  await page.keyboard.type(" ");
  const typed = await editorText(page);
  await expect(range).toHaveText('"Hello"');
  // (A property, not an attribute: the editor watches its attributes.)
  await range.evaluate((element) => ((element as HTMLElement & { kept?: boolean }).kept = true));
  await set([diagnostic(typed, "State Hello is not defined")]);
  await expect(range).toHaveText('"Hello"');
  expect(await range.evaluate((element) => (element as HTMLElement & { kept?: boolean }).kept)).toBe(true);

  // Another message at the same place replaces it.
  await set([diagnostic(typed, "State Hello is never reached")]);
  await expect(page.locator(".cm-lintRange-error")).toHaveCount(1);
  await page.locator(".cm-lint-marker-error").hover();
  await expect(page.locator(".cm-tooltip")).toContainText("State Hello is never reached");
  await expect(page.locator(".cm-tooltip")).not.toContainText("not defined");
});

test("diagnostics found in the text last reported are moved by what was typed since", async ({ page }) => {
  await openEditor(page);
  const text = '{"A": 1, "Hello": 2}';
  // The caret after the brace; a pause long enough that nothing typed is reported meanwhile.
  const id = await openSecondEditor(page, text, { changeDelayMs: 10_000 }, 1);
  await page.keyboard.type("  ");
  const typed = await page.evaluate((id) => window.StatehouseEditor.getText(id), id);
  expect(typed).toBe('{  "A": 1, "Hello": 2}');
  const set = (from: number, ofReported: boolean) =>
    page.evaluate(
      ({ id, from, ofReported }) =>
        window.StatehouseEditor.setDiagnostics(id, [{ from, to: from + 7, severity: "error", message: "Found" }], { ofReported }),
      { id, from, ofReported },
    );
  const range = page.locator(".cm-lintRange-error");

  // Found in the text the page had (the one it was given), while two spaces wait to be
  // reported: the mark is on what was found.
  await set(text.indexOf('"Hello"'), true);
  await expect(range).toHaveText('"Hello"');
  // Without ofReported, the same positions are read in the text as it is now.
  await set(text.indexOf('"Hello"'), false);
  await expect(range).toHaveText(typed.slice(text.indexOf('"Hello"'), text.indexOf('"Hello"') + 7));

  // Once the text is reported, the page's positions are in it: nothing is moved.
  expect(await page.evaluate((id) => window.StatehouseEditor.flush(id), id)).toBe(true);
  expect((await recorded(page)).changes.map((change) => change.text)).toEqual([typed]);
  await set(typed.indexOf('"Hello"'), true);
  await expect(range).toHaveText('"Hello"');
  // Text set by the page is the page's too.
  await page.evaluate((id) => window.StatehouseEditor.setText(id, '{"Hello": 2, "A": 1}'), id);
  await set(0, true);
  await expect(range).toHaveText('{"Hello');
  await page.evaluate((id) => window.StatehouseEditor.destroy(id), id);
});

test("select selects the text, scrolls to it and focuses the editor", async ({ page }) => {
  const lines = Array.from({ length: 200 }, (_, index) => `  "Key${index}": ${index},`);
  const text = `{\n${lines.join("\n")}\n  "Last": true\n}`;
  const id = await openEditor(page, text);
  const from = text.indexOf('"Key150"');
  await expect(page.locator(".cm-line", { hasText: '"Key150"' })).not.toBeInViewport();

  await page.evaluate(({ id, from }) => window.StatehouseEditor.select(id, from, from + 8), { id, from });
  await expect(page.locator("#editor-host .cm-editor")).toHaveClass(/cm-focused/);
  await expect(page.locator(".cm-line", { hasText: '"Key150"' })).toBeInViewport();
  expect(await page.evaluate(() => document.getSelection()?.toString())).toBe('"Key150"');

  // The focus ring is visible: a 3px border drawn over the whole editor, gutters included.
  const ring = await page.locator("#editor-host .cm-editor").evaluate((node) => {
    const style = getComputedStyle(node, "::after");
    const box = node.getBoundingClientRect();
    return { border: `${style.borderLeftStyle} ${style.borderLeftWidth}`, width: style.width, editor: `${box.width}px` };
  });
  expect(ring.border).toBe("solid 3px");
  expect(ring.width).toBe(ring.editor);

  // Typing replaces exactly the selection.
  await page.keyboard.type("Renamed");
  expect(await editorText(page)).toBe(text.replace('"Key150"', "Renamed"));
});

test("reveal marks the lines of a range and scrolls to them, leaving the focus and selection alone", async ({ page }) => {
  const lines = Array.from({ length: 200 }, (_, index) => `  "Key${index}": ${index},`);
  const text = `{\n${lines.join("\n")}\n  "Last": true\n}`;
  const id = await openEditor(page, text);
  const from = text.indexOf('"Key150"');
  const to = text.indexOf('"Key152"') + 4;
  await expect(page.locator(".cm-line", { hasText: '"Key150"' })).not.toBeInViewport();

  await page.evaluate(({ id, from, to }) => window.StatehouseEditor.reveal(id, from, to, true), { id, from, to });
  const marked = page.locator(".cm-line.cm-revealed");
  await expect(marked).toHaveCount(3);
  await expect(marked.first()).toContainText('"Key150"');
  await expect(marked.first()).toBeInViewport();
  await expect(page.locator("#editor-host .cm-editor")).not.toHaveClass(/cm-focused/);

  // The mark follows the text through an edit above it, and an empty range clears it.
  await page.locator(".cm-line", { hasText: '"Key149"' }).click();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type('"Inserted": 0,');
  await expect(marked).toHaveCount(3);
  await expect(marked.first()).toContainText('"Key150"');
  // While the editor has the focus, a reveal marks but does not scroll: someone typing keeps
  // their place.
  const top = await page.locator(".cm-scroller").evaluate((node) => node.scrollTop);
  const far = (await editorText(page)).indexOf('"Key10"');
  await page.evaluate(({ id, far }) => window.StatehouseEditor.reveal(id, far, far + 7, true), { id, far });
  await expect(marked).toHaveCount(0);
  expect(await page.locator(".cm-scroller").evaluate((node) => node.scrollTop)).toBe(top);
  const near = (await editorText(page)).indexOf('"Key148"');
  await page.evaluate(({ id, near }) => window.StatehouseEditor.reveal(id, near, near + 8, true), { id, near });
  await expect(marked).toHaveCount(1);
  await expect(marked).toContainText('"Key148"');
  await page.evaluate((id) => window.StatehouseEditor.reveal(id, 0, 0, false), id);
  await expect(marked).toHaveCount(0);
});
