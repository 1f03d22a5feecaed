// Sign-in in a real browser. `cargo xtask test` starts a second server with an account
// (AUTH_BASE_URL, AUTH_USER, AUTH_PASSWORD), so its pages ask for a sign-in; the main server
// (BASE_URL) has none and stays open.
import { expect, test, type Page } from "@playwright/test";

const authBase = process.env.AUTH_BASE_URL;
const user = process.env.AUTH_USER;
const password = process.env.AUTH_PASSWORD;
if (!authBase || !user || !password) {
  throw new Error(
    "AUTH_BASE_URL, AUTH_USER and AUTH_PASSWORD are not set: run the browser tests with `cargo xtask test`, " +
      "which starts a server with an account",
  );
}

test("a server without accounts asks for no sign-in, and its Account page says how to turn it on", async ({ page }) => {
  await page.goto("/executions");
  await expect(page.getByRole("heading", { name: "Executions", exact: true })).toBeVisible();
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("sign-in-off")).toContainText("statehouse user add NAME");
});

/** Signs in on the auth server's sign-in page, from wherever `page` is. */
async function signIn(page: Page) {
  await page.goto(`${authBase}/login`);
  await page.getByLabel("Name").fill(user!);
  await page.getByLabel("Password").fill(password!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${authBase}/`);
}

test("signing in leads back to the page asked for, the app works under the session, and signing out ends it", async ({
  page,
}) => {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()} ${message.location().url}`);
  });

  // A page asked for without a session: the sign-in page, which remembers where to go.
  await page.goto(`${authBase}/executions?status=FAILED`);
  await expect(page).toHaveURL(/\/login\?next=%2Fexecutions%3Fstatus%3DFAILED$/);
  await expect(page).toHaveTitle("Sign in · Statehouse");
  await expect(page.getByLabel("Name")).toBeFocused();

  // A wrong password: refused, with the name kept and the password field ready.
  await page.getByLabel("Name").fill(user);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("The name or the password is wrong.");
  await expect(page.getByLabel("Name")).toHaveValue(user);
  await expect(page.getByLabel("Password")).toBeFocused();
  // Chromium logs that answer's status (401) as a failed load: expected here, and only here.
  expect(problems).toEqual([expect.stringMatching(/status of 401 .*\/login$/)]);
  problems.length = 0;

  // The right one: back to the filtered list, which hydrates and reads from the server.
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${authBase}/executions?status=FAILED`);
  await expect(page.getByRole("heading", { name: "Executions", exact: true })).toBeVisible();

  // Server functions carry the session: the start page's server check answers.
  await page.goto(`${authBase}/`);
  await expect(async () => {
    await page.getByTestId("check-server").click();
    await expect(page.getByTestId("server-status")).toContainText("SQLite answered in", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  // The designer's own bundle loads and works under the session too.
  await page.goto(`${authBase}/designer`);
  await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });

  // The Account page names the user; signing out ends the session.
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByTestId("signed-in-as")).toHaveText(user);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  await expect(page.getByTestId("sign-in-notice")).toHaveText("You are signed out.");
  await page.goto(`${authBase}/designer`);
  await expect(page).toHaveURL(/\/login\?next=%2Fdesigner$/);

  expect(problems).toEqual([]);
});

test("a save after the session ended says so and keeps the work; it saves once signed in again elsewhere", async ({
  page,
  context,
}) => {
  await signIn(page);
  await page.goto(`${authBase}/designer`);
  await expect(page.getByTestId("asl-code").locator(".cm-editor")).toBeVisible({ timeout: 15_000 });
  const name = `signed-out-${Date.now()}`;
  const definition = { StartAt: "Keep", States: { Keep: { Type: "Pass", End: true } } };
  await page.getByTestId("open-file").setInputFiles({
    name: `${name}.asl.json`,
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(definition, null, 2) + "\n"),
  });
  await expect(page.getByTestId("design-name")).toHaveText(name);
  await page.locator('[data-tab="versions"]').click();
  await page.locator("#saved-message").fill("After a sign-out");

  // The session ends (here: its cookie is gone, as after a sign-out in another tab).
  await context.clearCookies();
  await page.getByTestId("save-design").click();
  await expect(page.locator(".saved-error")).toContainText("You are signed out");
  await expect(page.locator('[data-state="Keep"]')).toBeVisible();

  // Signed in again in another tab, the same page saves what it kept.
  const other = await context.newPage();
  await signIn(other);
  await other.close();
  await page.getByTestId("save-design").click();
  await expect(page.getByText("Saved version 1")).toBeVisible();
  // The version names the account that saved it.
  await expect(page.getByTestId("versions")).toContainText(`by ${user}`);
});

test("a fresh server says how to begin: how to add an approval channel, how to start an execution", async ({ page }) => {
  // The signing-in server's data folder has no statehouse.toml, so no channel, and its tests
  // start no execution.
  await signIn(page);
  await page.goto(`${authBase}/executions`);
  await expect(page.getByTestId("executions-summary")).toHaveText("No executions yet.");
  await expect(page.getByTestId("first-execution")).toContainText("aws stepfunctions start-execution");
  // The commands name this server: the address the page came from, the region its ARNs use.
  const commands = page.getByTestId("first-execution-commands");
  await expect(commands).toContainText(`--endpoint-url ${new URL(authBase).origin} --region us-east-1`);
  await expect(commands).toContainText("--state-machine-arn arn:aws:states:us-east-1:123456789012:stateMachine:hello");
  await expect(page.getByTestId("first-execution").getByRole("link", { name: "Designer" })).toHaveAttribute("href", "/designer");
  // A filter that matches nothing is not a first visit.
  await page.goto(`${authBase}/executions?status=FAILED`);
  await expect(page.getByTestId("executions-summary")).toHaveText("No executions match.");
  await expect(page.getByTestId("first-execution")).toHaveCount(0);

  await page.goto(`${authBase}/approvals`);
  const hint = page.getByTestId("no-channels");
  await expect(hint).toContainText("No approval channels yet");
  await expect(hint.locator("pre")).toContainText("[[approvals.channels]]");
  await expect(page.locator("#filter-channel option")).toHaveText(["Any"]);

  // The main server has its channel: no hint, and the channel is offered as a filter.
  await page.goto("/approvals");
  await expect(page.getByRole("heading", { name: "Approvals", exact: true })).toBeVisible();
  await expect(page.locator("#filter-channel option[value=e2e]")).toHaveCount(1);
  await expect(page.getByTestId("no-channels")).toHaveCount(0);
});
