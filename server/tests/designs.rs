//! The designer's saved designs through the real server: saving versions, listing them,
//! diffing two, restoring one, refusing bad input, and opening a state machine created
//! through the Step Functions API. The server functions are called as the browser calls them
//! (JSON POSTs from the same origin).

mod support;

use serde_json::{Value, json};
use support::TestServer;

/// Version 1: unusual on purpose (a number spelt `1.50`, a tab, a trailing space, no final
/// newline), so a reformatted copy would not equal it.
const VERSION_1: &str = "{\n  \"Comment\": \"Orders, first draft\",\n  \"StartAt\": \"Validate\",\n  \"States\": {\n    \"Validate\": {\n      \"Type\": \"Pass\",\n\t  \"Result\": 1.50, \n      \"End\": true\n    }\n  }\n}";
const LAYOUT_1: &str = r#"{"Validate":{"x":10,"y":20}}"#;
const VERSION_2: &str = "{\n  \"Comment\": \"Orders, renamed\",\n  \"StartAt\": \"Validate\",\n  \"States\": {\n    \"Validate\": {\n      \"Type\": \"Pass\",\n\t  \"Result\": 1.50, \n      \"End\": true\n    }\n  }\n}";
const VERSION_3: &str = "{\n  \"Comment\": \"Orders, with shipping\",\n  \"StartAt\": \"Validate\",\n  \"States\": {\n    \"Validate\": {\n      \"Type\": \"Pass\",\n\t  \"Result\": 1.50, \n      \"Next\": \"Ship\"\n    },\n    \"Ship\": {\n      \"Type\": \"Pass\",\n      \"End\": true\n    }\n  }\n}\n";
const LAYOUT_3: &str = r#"{"Validate":{"x":10,"y":20},"Ship":{"x":10,"y":120}}"#;

/// Calls the server function at `/api/designs/<endpoint>` as the browser does; `Err` holds
/// the typed error the server answered with.
/// Calls a designs server function: its answer, or its HTTP status and error.
async fn call(
    client: &reqwest::Client,
    server: &TestServer,
    endpoint: &str,
    arguments: Value,
) -> Result<Value, (u16, Value)> {
    let response = client
        .post(server.url(&format!("/api/designs/{endpoint}")))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("Origin", &server.base_url)
        .header("Sec-Fetch-Site", "same-origin")
        .body(arguments.to_string())
        .send()
        .await
        .expect("the server answers");
    let status = response.status();
    let text = response.text().await.expect("body");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{endpoint}: not JSON ({status}): {text}"));
    if status.is_success() { Ok(body) } else { Err((status.as_u16(), body)) }
}

async fn save(
    client: &reqwest::Client,
    server: &TestServer,
    message: &str,
    definition: &str,
    layout: Option<&str>,
) -> u64 {
    let saved = call(
        client,
        server,
        "save",
        json!({"name": "Order flow", "message": message, "definition": definition, "layout": layout}),
    )
    .await
    .unwrap_or_else(|error| panic!("saving {message:?}: {error:?}"));
    saved.as_u64().unwrap_or_else(|| panic!("a version number: {saved}"))
}

/// The `Invalid` error's field and reason.
fn invalid(error: &Value) -> (&str, &str) {
    let invalid = &error["Invalid"];
    (
        invalid["field"].as_str().unwrap_or_else(|| panic!("an Invalid error: {error}")),
        invalid["reason"].as_str().unwrap_or_default(),
    )
}

#[tokio::test]
async fn saves_versions_diffs_restores_and_opens_state_machines() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = TestServer::spawn(data.path());
    let client = reqwest::Client::new();

    // Three saves make versions 1, 2 and 3 (the name is trimmed, the message too).
    assert_eq!(save(&client, &server, "First draft", VERSION_1, Some(LAYOUT_1)).await, 1);
    assert_eq!(save(&client, &server, "  Rename the comment  ", VERSION_2, Some(LAYOUT_1)).await, 2);
    let third = call(
        &client,
        &server,
        "save",
        json!({"name": " Order flow ", "message": "Add shipping", "definition": VERSION_3, "layout": LAYOUT_3}),
    )
    .await
    .expect("third save");
    assert_eq!(third, 3);

    // Listed newest first, with their messages and sizes.
    let versions = call(&client, &server, "versions", json!({"name": "Order flow"})).await.expect("versions");
    let listed: Vec<(u64, &str, u64)> = versions
        .as_array()
        .expect("a list")
        .iter()
        .map(|entry| {
            (entry["version"].as_u64().unwrap(), entry["message"].as_str().unwrap(), entry["size"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (3, "Add shipping", VERSION_3.len() as u64),
            (2, "Rename the comment", VERSION_2.len() as u64),
            (1, "First draft", VERSION_1.len() as u64),
        ]
    );
    assert!(versions[0]["created_at"].as_str().unwrap().ends_with('Z'), "{versions}");

    // The diff from 1 to 3: every line's numbers point at that line in its text.
    let diff = call(&client, &server, "diff", json!({"name": "Order flow", "from": 1, "to": 3})).await.expect("diff");
    let old_lines: Vec<&str> = VERSION_1.lines().collect();
    let new_lines: Vec<&str> = VERSION_3.lines().collect();
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for line in
        diff["hunks"].as_array().expect("hunks").iter().flat_map(|hunk| hunk["lines"].as_array().expect("lines"))
    {
        let text = line["text"].as_str().expect("text");
        let old_number = line["old_number"].as_u64().map(|number| number as usize);
        let new_number = line["new_number"].as_u64().map(|number| number as usize);
        match line["kind"].as_str().expect("kind") {
            "same" => {
                assert_eq!(old_lines[old_number.expect("old number") - 1], text, "{line}");
                assert_eq!(new_lines[new_number.expect("new number") - 1], text, "{line}");
            }
            "added" => {
                assert_eq!(old_number, None, "{line}");
                assert_eq!(new_lines[new_number.expect("new number") - 1], text, "{line}");
                added.push((new_number.unwrap(), text));
            }
            "removed" => {
                assert_eq!(new_number, None, "{line}");
                assert_eq!(old_lines[old_number.expect("old number") - 1], text, "{line}");
                removed.push((old_number.unwrap(), text));
            }
            other => panic!("unknown kind {other}: {line}"),
        }
    }
    assert!(removed.contains(&(2, r#"  "Comment": "Orders, first draft","#)), "{removed:?}");
    assert!(added.contains(&(2, r#"  "Comment": "Orders, with shipping","#)), "{added:?}");
    assert!(added.contains(&(8, r#"      "Next": "Ship""#)), "{added:?}");
    assert!(added.iter().any(|(_, text)| *text == r#"    "Ship": {"#), "{added:?}");
    assert!(!removed.iter().chain(&added).any(|(_, text)| text.contains("StartAt")), "unchanged lines are not changes");
    assert_eq!(diff["added"].as_u64(), Some(added.len() as u64));
    assert_eq!(diff["removed"].as_u64(), Some(removed.len() as u64));
    // Applying the changes to version 1 gives version 3: the diff leaves nothing out.
    assert_eq!(new_lines.len() - old_lines.len(), added.len() - removed.len());

    // Restoring version 1 makes version 4 with version 1's text and layout, byte for byte.
    let restored = call(&client, &server, "restore", json!({"name": "Order flow", "version": 1, "message": ""}))
        .await
        .expect("restore");
    assert_eq!(restored["version"], 4);
    assert_eq!(restored["definition"].as_str(), Some(VERSION_1));
    assert_eq!(restored["layout"].as_str(), Some(LAYOUT_1));
    let loaded =
        call(&client, &server, "load", json!({"source": {"kind": "design", "name": "Order flow", "version": 4}}))
            .await
            .expect("load version 4");
    assert_eq!(loaded["definition"].as_str(), Some(VERSION_1), "stored byte for byte");
    assert_eq!(loaded["message"], "Restored version 1");
    let latest =
        call(&client, &server, "load", json!({"source": {"kind": "design", "name": "Order flow", "version": null}}))
            .await
            .expect("load the newest");
    assert_eq!(latest["version"], 4);
    // History is never rewritten: version 3 is still there as it was.
    let third =
        call(&client, &server, "load", json!({"source": {"kind": "design", "name": "Order flow", "version": 3}}))
            .await
            .expect("load version 3");
    assert_eq!(third["definition"].as_str(), Some(VERSION_3));
    assert_eq!(third["layout"].as_str(), Some(LAYOUT_3));
    let versions = call(&client, &server, "versions", json!({"name": "Order flow"})).await.expect("versions");
    assert_eq!(versions.as_array().map(Vec::len), Some(4));
    assert_eq!(versions[0]["restored_from"], 1);

    // Bad input is refused with an error naming the field.
    let (status, bad_name) = call(
        &client,
        &server,
        "save",
        json!({"name": "orders/2026", "message": "x", "definition": VERSION_1, "layout": null}),
    )
    .await
    .expect_err("a name with a slash");
    assert_eq!(status, 400, "{bad_name}");
    let (field, reason) = invalid(&bad_name);
    assert_eq!(field, "name");
    assert!(reason.contains("“/”"), "the reason names the character: {reason}");
    let long_name = "n".repeat(81);
    let (status, too_long) =
        call(&client, &server, "save", json!({"name": long_name, "message": "x", "definition": VERSION_1}))
            .await
            .expect_err("an 81-character name");
    assert_eq!(status, 400, "{too_long}");
    assert_eq!(invalid(&too_long).0, "name");
    let (status, no_message) = call(
        &client,
        &server,
        "save",
        json!({"name": "Order flow", "message": "   ", "definition": VERSION_1, "layout": null}),
    )
    .await
    .expect_err("a blank message");
    assert_eq!(status, 400, "{no_message}");
    let (field, reason) = invalid(&no_message);
    assert_eq!(field, "message");
    assert!(reason.contains("required"), "{reason}");
    let huge = format!("{{\"Comment\": \"{}\"}}", "x".repeat(1_048_576));
    let (status, too_big) =
        call(&client, &server, "save", json!({"name": "Huge", "message": "big", "definition": huge}))
            .await
            .expect_err("a definition over 1 MB");
    assert_eq!(status, 400, "{too_big}");
    let (field, reason) = invalid(&too_big);
    assert_eq!(field, "definition");
    assert!(reason.contains("1048576 bytes"), "{reason}");
    let (status, missing) = call(&client, &server, "diff", json!({"name": "Order flow", "from": 1, "to": 9}))
        .await
        .expect_err("a version that does not exist");
    assert_eq!(status, 404, "{missing}");
    assert_eq!(missing["NoVersion"]["version"], 9, "{missing}");
    let versions = call(&client, &server, "versions", json!({"name": "Order flow"})).await.expect("versions");
    assert_eq!(versions.as_array().map(Vec::len), Some(4), "refused saves add no version");

    // A state machine created through the Step Functions API can be picked and opened.
    let machine_definition = "{\"StartAt\":\"Hello\",\n \"States\":{\"Hello\":{\"Type\":\"Succeed\"}}}";
    let created = server
        .call(
            &client,
            "CreateStateMachine",
            &json!({
                "name": "HelloMachine",
                "definition": machine_definition,
                "roleArn": "arn:aws:iam::123456789012:role/service-role/StepFunctions-Role",
            }),
        )
        .await
        .expect("CreateStateMachine");
    let arn = created["stateMachineArn"].as_str().expect("an ARN");
    let saved = call(&client, &server, "list", json!({})).await.expect("list_saved");
    let entries = saved.as_array().expect("a list");
    let machine = entries
        .iter()
        .find(|entry| entry["kind"] == "state_machine" && entry["arn"] == arn)
        .unwrap_or_else(|| panic!("the state machine is listed: {saved}"));
    assert_eq!(machine["name"], "HelloMachine");
    assert_eq!(machine["machine_type"], "STANDARD");
    let design = entries
        .iter()
        .find(|entry| entry["kind"] == "design" && entry["name"] == "Order flow")
        .unwrap_or_else(|| panic!("the design is listed: {saved}"));
    assert_eq!(design["latest_version"], 4);
    assert_eq!(design["latest_message"], "Restored version 1");
    assert!(!entries.iter().any(|entry| entry["name"] == "Huge"), "a refused save creates no design: {saved}");
    let opened = call(&client, &server, "load", json!({"source": {"kind": "state_machine", "arn": arn}}))
        .await
        .expect("load the state machine");
    assert_eq!(opened["name"], "HelloMachine");
    assert_eq!(opened["definition"].as_str(), Some(machine_definition));
    assert_eq!(opened["layout"], Value::Null);
    assert_eq!(opened["version"], Value::Null);

    // The same call from another site is refused, like every cross-site write.
    let forged = client
        .post(server.url("/api/designs/save"))
        .header("Content-Type", "application/json")
        .header("Origin", "http://evil.example")
        .header("Sec-Fetch-Site", "cross-site")
        .body(json!({"name": "Order flow", "message": "forged", "definition": VERSION_1}).to_string())
        .send()
        .await
        .expect("cross-site POST");
    assert_eq!(forged.status(), 403);

    let (exit, log) = server.terminate();
    assert!(exit.success(), "{log:#?}");
}
