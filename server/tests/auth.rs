//! Sign-in, end to end: the real binary, accounts made with `statehouse user`, and a client
//! that keeps cookies as a browser does. Pages are open until an account exists, then ask for
//! a sign-in; the API, approval links and the bundle stay reachable; a changed password or a
//! sign-out ends sessions; failed attempts pause an account; beyond loopback the server
//! refuses to start until it has accounts, access keys and a public URL.

mod support;

use std::{
    collections::HashMap,
    io::Write,
    path::Path,
    process::{Command, Output, Stdio},
};

use reqwest::{StatusCode, header};
use serde_json::json;
use support::TestServer;

const PASSWORD: &str = "correct horse battery staple";

/// Runs `statehouse user ARGS` on `data`, with `stdin` as its standard input.
fn user(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .arg("user")
        .args(args)
        .env("STATEHOUSE_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("statehouse user runs");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("password written");
    child.wait_with_output().expect("statehouse user ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A client that keeps cookies and follows no redirects, so each answer can be checked.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

struct Answer {
    status: StatusCode,
    location: String,
    set_cookies: Vec<String>,
    body: String,
}

impl Browser {
    fn new(server: &TestServer) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { client, base: server.base_url.clone(), cookies: HashMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.header(header::COOKIE, self.cookie_header()).send().await.expect("the server answers");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|value| value.to_str().expect("text").to_string())
            .unwrap_or_default();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|value| value.to_str().expect("text").to_string())
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().expect("a pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            let removed = cookie.contains("Max-Age=0") || value.is_empty();
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        Answer { status, location, set_cookies, body: response.text().await.expect("a body") }
    }

    /// A page visit: a GET that accepts HTML.
    async fn visit(&mut self, path: &str) -> Answer {
        let request = self.client.get(format!("{}{path}", self.base)).header(header::ACCEPT, "text/html,*/*;q=0.8");
        self.send(request).await
    }

    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(body);
        self.send(request).await
    }

    /// Calls a server function that takes JSON.
    async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Answer {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::CONTENT_TYPE, "application/json")
            .header("sec-fetch-site", "same-origin")
            .body(body.to_string());
        self.send(request).await
    }

    /// Saves a version of design `name` and answers who the server says saved each version.
    async fn save_and_list_authors(&mut self, name: &str) -> Vec<serde_json::Value> {
        let definition = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#;
        let saved = self
            .post_json("/api/designs/save", &json!({"name": name, "message": "A version", "definition": definition}))
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        let listed = self.post_json("/api/designs/versions", &json!({"name": name})).await;
        let versions: Vec<serde_json::Value> = serde_json::from_str(&listed.body).expect("versions");
        versions.iter().map(|version| version["saved_by"].clone()).collect()
    }

    /// Opens the sign-in page and posts `name` and `password` with its form's token.
    async fn sign_in(&mut self, name: &str, password: &str, next: &str) -> Answer {
        let page = self.visit("/login").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let csrf = hidden_field(&page.body, "csrf");
        self.post_form("/login", &[("csrf", &csrf), ("next", next), ("name", name), ("password", password)]).await
    }
}

/// The value of the hidden input `name` in a page.
fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().expect("a value").to_string()
}

#[tokio::test]
async fn pages_ask_for_a_sign_in_once_an_account_exists_and_sessions_end_with_the_password() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(data.path());
    let mut browser = Browser::new(&server);

    // No account: a workstation server on loopback is open, as it always was, and a saved
    // version has no author.
    assert_eq!(browser.visit("/executions").await.status, StatusCode::OK);
    assert_eq!(browser.save_and_list_authors("checkout").await, [serde_json::Value::Null]);
    let account = browser.visit("/account").await;
    assert!(account.body.contains("Sign-in is off"), "{}", account.body);

    // Accounts are checked as they are made.
    let short = user(data.path(), &["add", "alice"], "hunter2\n");
    assert!(!short.status.success());
    assert!(text(&short.stderr).contains("password: it has 7 characters; use at least 12"), "{}", text(&short.stderr));
    let bad_name = user(data.path(), &["add", "alice smith"], &format!("{PASSWORD}\n"));
    assert!(text(&bad_name.stderr).contains("is not an account name"), "{}", text(&bad_name.stderr));
    let added = user(data.path(), &["add", "Alice"], &format!("{PASSWORD}\n"));
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("added alice"), "{}", text(&added.stdout));
    let again = user(data.path(), &["add", "alice"], &format!("{PASSWORD}\n"));
    assert!(text(&again.stderr).contains("an account named \"alice\" exists already"), "{}", text(&again.stderr));
    let listed = user(data.path(), &["list"], "");
    assert!(text(&listed.stdout).starts_with("alice\tcreated 20"), "{}", text(&listed.stdout));

    // From the next request on, pages ask for a sign-in, and go back where they were after it.
    let asked = browser.visit("/executions?status=FAILED").await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(asked.location, "/login?next=%2Fexecutions%3Fstatus%3DFAILED");
    for path in ["/", "/designer", "/approvals", "/approvals/dev-mailbox", "/account"] {
        let answer = browser.visit(path).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert!(answer.location.starts_with("/login?next="), "{path}: {}", answer.location);
    }
    // What is not a page visit gets 401: server functions, the live events, exports.
    let server_fn = browser.post_form("/api/approvals/facets", &[]).await;
    assert_eq!(server_fn.status, StatusCode::UNAUTHORIZED, "{}", server_fn.body);
    assert_eq!(server_fn.body, app::SIGNED_OUT_BODY, "decoded by the app as its error's SignedOut");
    let events = browser.send(browser.client.get(server.url("/executions-events"))).await;
    assert_eq!(events.status, StatusCode::UNAUTHORIZED);
    // What carries its own credential, or none, stays reachable.
    let client = reqwest::Client::new();
    assert!(server.call(&client, "ListStateMachines", &json!({})).await.is_ok(), "the Step Functions API");
    assert_eq!(browser.visit("/healthz").await.status, StatusCode::OK);
    assert_eq!(browser.visit("/approve/no-such-link").await.status, StatusCode::NOT_FOUND, "approval links");

    // Wrong passwords, unknown names and forged forms do not sign in.
    let wrong = browser.sign_in("alice", "not the password", "/executions").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("The name or the password is wrong."), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"alice\""), "the name is kept: {}", wrong.body);
    let unknown = browser.sign_in("mallory", PASSWORD, "/executions").await;
    assert!(unknown.body.contains("The name or the password is wrong."), "{}", unknown.body);
    let forged =
        browser.post_form("/login", &[("csrf", "00"), ("next", "/"), ("name", "alice"), ("password", PASSWORD)]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "a form without its token");
    let cross_site = browser
        .send(
            browser
                .client
                .post(server.url("/login"))
                .header("sec-fetch-site", "cross-site")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("name=alice"),
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("statehouse_session"), "no session from failures");

    // The right pair (names are compared without case) signs in and goes on to `next`, never
    // to another site.
    let signed_in = browser.sign_in("ALICE", PASSWORD, "/executions?status=FAILED").await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    assert_eq!(signed_in.location, "/executions?status=FAILED");
    let session_cookie = signed_in
        .set_cookies
        .iter()
        .find(|cookie| cookie.starts_with("statehouse_session="))
        .expect("a session cookie");
    assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"), "{session_cookie}");
    assert_eq!(browser.visit("/executions?status=FAILED").await.status, StatusCode::OK);
    assert_eq!(browser.post_form("/api/approvals/facets", &[]).await.status, StatusCode::OK);
    let account = browser.visit("/account").await;
    assert!(account.body.contains("data-testid=\"signed-in-as\">alice<"), "{}", account.body);
    // A version saved while signed in names its author.
    assert_eq!(browser.save_and_list_authors("checkout").await, [json!("alice"), serde_json::Value::Null]);
    let again = browser.visit("/login?next=%2Fapprovals").await;
    assert_eq!((again.status, again.location.as_str()), (StatusCode::SEE_OTHER, "/approvals"), "signed in already");

    let mut outsider = Browser::new(&server);
    let elsewhere = outsider.sign_in("alice", PASSWORD, "//evil.example/").await;
    assert_eq!(elsewhere.location, "/", "an outside `next` goes to the start page");

    // A second browser signs in too; a password change from the first ends the second's session
    // and keeps the first's.
    let mut other = Browser::new(&server);
    assert_eq!(other.sign_in("alice", PASSWORD, "/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(other.visit("/executions").await.status, StatusCode::OK);
    let csrf = hidden_field(&browser.visit("/account").await.body, "csrf");
    let new_password = "a new and longer password";
    let wrong_current = browser
        .post_form(
            "/account/password",
            &[("csrf", &csrf), ("current", "nope"), ("new", new_password), ("again", new_password)],
        )
        .await;
    assert_eq!(wrong_current.status, StatusCode::UNAUTHORIZED);
    assert!(wrong_current.body.contains("Current password: it is wrong."), "{}", wrong_current.body);
    let differing = browser
        .post_form(
            "/account/password",
            &[("csrf", &csrf), ("current", PASSWORD), ("new", new_password), ("again", "something else")],
        )
        .await;
    assert!(differing.body.contains("New password: the two entries differ."), "{}", differing.body);
    let too_short = browser
        .post_form("/account/password", &[("csrf", &csrf), ("current", PASSWORD), ("new", "short"), ("again", "short")])
        .await;
    assert!(too_short.body.contains("New password: it has 5 characters"), "{}", too_short.body);
    let changed = browser
        .post_form(
            "/account/password",
            &[("csrf", &csrf), ("current", PASSWORD), ("new", new_password), ("again", new_password)],
        )
        .await;
    assert_eq!((changed.status, changed.location.as_str()), (StatusCode::SEE_OTHER, "/account?changed=1"));
    assert!(browser.visit("/account?changed=1").await.body.contains("Your password is changed."));
    assert_eq!(other.visit("/executions").await.status, StatusCode::SEE_OTHER, "the other session ended");

    // `statehouse user password` ends every session.
    let reset = user(data.path(), &["password", "alice"], &format!("{PASSWORD}\n"));
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    assert_eq!(browser.visit("/executions").await.status, StatusCode::SEE_OTHER, "signed out by the reset");

    // Signing out ends the session, with the form's token only.
    assert_eq!(browser.sign_in("alice", PASSWORD, "/").await.status, StatusCode::SEE_OTHER);
    let refused = browser.post_form("/logout", &[("csrf", "00")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.visit("/executions").await.status, StatusCode::OK, "still signed in");
    let csrf = hidden_field(&browser.visit("/account").await.body, "csrf");
    let out = browser.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!((out.status, out.location.as_str()), (StatusCode::SEE_OTHER, "/login?signed_out=1"));
    assert_eq!(browser.visit("/executions").await.status, StatusCode::SEE_OTHER, "signed out");

    // Five failures in a row pause the account: even the right password is refused then.
    for _ in 0..5 {
        assert_eq!(browser.sign_in("alice", "a wrong guess", "/").await.status, StatusCode::UNAUTHORIZED);
    }
    let paused = browser.sign_in("alice", PASSWORD, "/").await;
    assert_eq!(paused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(paused.body.contains("it is paused for 5 more minute(s)"), "{}", paused.body);
    let log = server.log_lines().join("\n");
    assert!(!log.contains(PASSWORD) && !log.contains("a wrong guess"), "no password in the log");

    // Removing the last account opens a loopback server again.
    let removed = user(data.path(), &["remove", "alice"], "");
    assert!(text(&removed.stdout).contains("0 account(s) left"), "{}", text(&removed.stdout));
    assert_eq!(browser.visit("/executions").await.status, StatusCode::OK);
}

#[tokio::test]
async fn beyond_loopback_the_server_needs_accounts_access_keys_and_a_public_url() {
    let data = tempfile::tempdir().expect("temp dir");
    let refused = Command::new(env!("CARGO_BIN_EXE_statehouse"))
        .arg("serve")
        .env("STATEHOUSE_LISTEN", "0.0.0.0:0")
        .env("STATEHOUSE_DATA_DIR", data.path())
        .output()
        .expect("statehouse runs");
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("refusing to listen on 0.0.0.0:0"), "{stderr}");
    for needed in ["statehouse user add NAME", "STATEHOUSE_ACCESS_KEYS", "STATEHOUSE_PUBLIC_URL"] {
        assert!(stderr.contains(needed), "{needed}: {stderr}");
    }

    assert!(user(data.path(), &["add", "ops"], &format!("{PASSWORD}\n")).status.success());
    let server = TestServer::spawn_listening(
        data.path(),
        "0.0.0.0:0",
        &[("STATEHOUSE_ACCESS_KEYS", "AKIDOPS:opensesame"), ("STATEHOUSE_PUBLIC_URL", "https://statehouse.example")],
    );
    let mut browser = Browser::new(&server);
    assert_eq!(browser.visit("/executions").await.status, StatusCode::SEE_OTHER);
    // The API now wants signatures: an unsigned call is refused with AWS's error.
    let unsigned = server.call(&reqwest::Client::new(), "ListStateMachines", &json!({})).await;
    assert!(matches!(&unsigned, Err((403, kind, _)) if kind == "MissingAuthenticationTokenException"), "{unsigned:?}");
    // Behind an https public URL, cookies are Secure.
    let login = browser.visit("/login").await;
    assert!(login.set_cookies.iter().all(|cookie| cookie.contains("Secure")), "{:?}", login.set_cookies);

    // Removing every account does not open a server that listens beyond loopback.
    assert!(user(data.path(), &["remove", "ops"], "").status.success());
    assert_eq!(browser.visit("/executions").await.status, StatusCode::SEE_OTHER);
    let login = browser.visit("/login").await;
    assert!(login.body.contains("This server has no accounts yet"), "{}", login.body);
}
