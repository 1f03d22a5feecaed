//! Starter material for the designer: whole definitions to start from ([`TEMPLATES`]) and
//! the palette of states to drop into a definition ([`PALETTE`]).
//!
//! Everything here is data, kept as canonical JSON files beside this module
//! (`templates/*.asl.json`, `templates/palette/*.json`: exactly `JSON.stringify(value, null, 2)`
//! plus a newline) and compiled in with `include_str!`, so the crate still does no IO. The
//! tests hold every template to no validation errors and no lint warnings (linted as Express
//! for `express-pipeline`, as Standard otherwise), and every palette state to no validation
//! errors when it is the only state of a definition.
//!
//! Palette states use JSONPath fields (`Parameters`, `Payload.$`), the default query language;
//! [`jsonata`] rewrites them for a place where JSONata applies.
//! Every state that can end carries `"End": true`, so a newly dropped state is valid on its
//! own; the designer replaces it with `Next` when the state is connected. The Choice state
//! is the exception: its one rule has no `Next` (and the state no `Default`) until the
//! designer connects it, so on its own it does not validate. Names, ARNs and URLs are
//! placeholders in region `us-east-1` and account `123456789012`.

pub mod jsonata;

/// A whole definition to start a new state machine from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// Stable identifier (`order-processing`), for URLs and tests.
    pub id: &'static str,
    /// Short title for a list.
    pub title: &'static str,
    /// One or two sentences on what it shows.
    pub description: &'static str,
    /// The definition, canonical JSON with a trailing newline.
    pub definition: &'static str,
}

/// Which section of the palette an item belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaletteGroup {
    /// One item per state type.
    States,
    /// Task states preset for a service integration.
    Tasks,
}

/// A state the designer can drop into a definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaletteItem {
    /// Stable identifier (`lambda-invoke`).
    pub id: &'static str,
    /// What the palette shows.
    pub label: &'static str,
    /// Its section of the palette.
    pub group: PaletteGroup,
    /// The name a new state gets (made unique by the designer, `Invoke Lambda 2`).
    pub base_name: &'static str,
    /// The state's JSON object, canonical JSON with a trailing newline.
    pub state_json: &'static str,
}

/// The starter definitions, in the order the designer lists them.
pub const TEMPLATES: &[Template] = &[
    Template {
        id: "order-processing",
        title: "Order processing",
        description: "Validates an order, runs inventory, payment and fraud checks in parallel, then ships it. \
                      A failure releases what was reserved, notifies the customer and fails.",
        definition: include_str!("templates/order-processing.asl.json"),
    },
    Template {
        id: "human-approval",
        title: "Human approval",
        description: "Sends an approval request with a task token to an SQS queue and waits up to a day for \
                      an approver's decision; rejection and timeout each end in their own Fail state.",
        definition: include_str!("templates/human-approval.asl.json"),
    },
    Template {
        id: "saga",
        title: "Saga with compensations",
        description: "Books a hotel, a flight and a car; when a booking fails, cancels what was booked in \
                      reverse order and fails.",
        definition: include_str!("templates/saga.asl.json"),
    },
    Template {
        id: "distributed-map-csv",
        title: "Distributed Map over a CSV file",
        description: "Processes every row of a CSV file in S3 as its own child execution, with a concurrency \
                      limit and a tolerated failure percentage, and writes the results to S3.",
        definition: include_str!("templates/distributed-map-csv.asl.json"),
    },
    Template {
        id: "express-pipeline",
        title: "Express event pipeline (JSONata)",
        description: "An Express workflow in JSONata: normalizes an event, enriches high-value orders with \
                      a Lambda function (with retries) and publishes the result to EventBridge.",
        definition: include_str!("templates/express-pipeline.asl.json"),
    },
];

/// The palette: first one item per state type, then preset Task states.
pub const PALETTE: &[PaletteItem] = &[
    state_item("pass", "Pass", "Pass", include_str!("templates/palette/pass.json")),
    state_item("task", "Task", "Task", include_str!("templates/palette/task.json")),
    state_item("choice", "Choice", "Choice", include_str!("templates/palette/choice.json")),
    state_item("wait", "Wait", "Wait", include_str!("templates/palette/wait.json")),
    state_item("succeed", "Succeed", "Succeed", include_str!("templates/palette/succeed.json")),
    state_item("fail", "Fail", "Fail", include_str!("templates/palette/fail.json")),
    state_item("parallel", "Parallel", "Parallel", include_str!("templates/palette/parallel.json")),
    state_item("map", "Map", "Map", include_str!("templates/palette/map.json")),
    task_item(
        "lambda-invoke",
        "Lambda: invoke a function",
        "Invoke Lambda",
        include_str!("templates/palette/lambda-invoke.json"),
    ),
    task_item("http-invoke", "HTTP: call an HTTPS API", "Call API", include_str!("templates/palette/http-invoke.json")),
    task_item(
        "sqs-wait-for-task-token",
        "SQS: send a message and wait for a callback",
        "Wait for SQS callback",
        include_str!("templates/palette/sqs-wait-for-task-token.json"),
    ),
    task_item(
        "sns-wait-for-task-token",
        "SNS: publish and wait for a callback",
        "Wait for SNS callback",
        include_str!("templates/palette/sns-wait-for-task-token.json"),
    ),
    task_item(
        "eventbridge-wait-for-task-token",
        "EventBridge: put an event and wait for a callback",
        "Wait for event callback",
        include_str!("templates/palette/eventbridge-wait-for-task-token.json"),
    ),
    task_item(
        "start-execution",
        "Step Functions: run a nested state machine",
        "Run nested workflow",
        include_str!("templates/palette/start-execution.json"),
    ),
    task_item(
        "dynamodb-put-item",
        "DynamoDB: put an item",
        "Put item",
        include_str!("templates/palette/dynamodb-put-item.json"),
    ),
    task_item(
        "dynamodb-get-item",
        "DynamoDB: get an item",
        "Get item",
        include_str!("templates/palette/dynamodb-get-item.json"),
    ),
    task_item(
        "activity",
        "Activity: wait for a worker",
        "Run activity",
        include_str!("templates/palette/activity.json"),
    ),
];

/// The template with this id.
pub fn template(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|template| template.id == id)
}

/// The palette item with this id.
pub fn palette_item(id: &str) -> Option<&'static PaletteItem> {
    PALETTE.iter().find(|item| item.id == id)
}

const fn state_item(
    id: &'static str,
    label: &'static str,
    base_name: &'static str,
    state_json: &'static str,
) -> PaletteItem {
    PaletteItem { id, label, group: PaletteGroup::States, base_name, state_json }
}

const fn task_item(
    id: &'static str,
    label: &'static str,
    base_name: &'static str,
    state_json: &'static str,
) -> PaletteItem {
    PaletteItem { id, label, group: PaletteGroup::Tasks, base_name, state_json }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Diagnostic, Document, Severity, SourceFormat,
        json::{self, Member, Node, Span, Value},
        lint::{LintOptions, WorkflowType, lint},
        validate::validate,
        yaml::print_yaml,
    };

    fn read_canonical(name: &str, text: &str) -> Node {
        let root = json::parse(text).unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert_eq!(format!("{}\n", json::print(&root, "  ")), text, "{name}: not in the canonical layout");
        root
    }

    fn errors(diagnostics: Vec<Diagnostic>) -> Vec<String> {
        diagnostics
            .into_iter()
            .filter(|diagnostic| diagnostic.severity == Severity::Error)
            .map(|diagnostic| format!("{} {}: {}", diagnostic.code, diagnostic.pointer, diagnostic.message))
            .collect()
    }

    fn string(text: &str) -> Node {
        Node::synthetic(Value::String(text.to_string()))
    }

    fn member(key: &str, value: Node) -> Member {
        Member { key: key.to_string(), key_span: Span::default(), value }
    }

    #[test]
    fn templates_are_canonical_valid_and_lint_clean() {
        let ids: Vec<&str> = TEMPLATES.iter().map(|template| template.id).collect();
        assert_eq!(ids, ["order-processing", "human-approval", "saga", "distributed-map-csv", "express-pipeline"]);
        for entry in TEMPLATES {
            let root = read_canonical(entry.id, entry.definition);
            let errors = errors(validate(&root));
            assert!(errors.is_empty(), "{}: {errors:#?}", entry.id);
            let workflow_type =
                if entry.id == "express-pipeline" { WorkflowType::Express } else { WorkflowType::Standard };
            let warnings: Vec<String> = lint(&root, &LintOptions { workflow_type })
                .into_iter()
                .map(|warning| format!("{} {}: {}", warning.code, warning.pointer, warning.message))
                .collect();
            assert!(warnings.is_empty(), "{}: {warnings:#?}", entry.id);
            let (from_yaml, _) = Document::read(&print_yaml(&root), SourceFormat::Yaml);
            assert!(from_yaml.root().is_some_and(|tree| tree.same_value(&root)), "{}: YAML round trip", entry.id);
            assert_eq!(template(entry.id), Some(entry));
        }
    }

    #[test]
    fn templates_show_what_their_titles_promise() {
        let text = |id: &str| template(id).expect(id).definition;
        assert!(text("order-processing").contains("\"Type\": \"Parallel\""));
        let approval = text("human-approval");
        for needle in [
            "sqs:sendMessage.waitForTaskToken",
            "\"taskToken.$\": \"$$.Task.Token\"",
            "\"ApprovalRejected\"",
            "\"States.Timeout\"",
            "\"TimeoutSeconds\"",
        ] {
            assert!(approval.contains(needle), "human-approval lacks {needle}");
        }
        let csv = text("distributed-map-csv");
        for needle in [
            "\"Mode\": \"DISTRIBUTED\"",
            "\"ExecutionType\": \"STANDARD\"",
            "arn:aws:states:::s3:getObject",
            "\"InputType\": \"CSV\"",
            "\"CSVHeaderLocation\": \"FIRST_ROW\"",
            "\"MaxConcurrency\"",
            "\"ToleratedFailurePercentage\"",
            "\"ResultWriter\"",
        ] {
            assert!(csv.contains(needle), "distributed-map-csv lacks {needle}");
        }
        let express = json::parse(text("express-pipeline")).expect("JSON");
        assert_eq!(express.get("QueryLanguage").and_then(Node::as_str), Some("JSONata"));
    }

    #[test]
    fn the_saga_compensates_in_reverse_order() {
        let root = json::parse(template("saga").expect("saga").definition).expect("JSON");
        let states = root.get("States").expect("States");
        let follow = |start: &str| {
            let mut path = vec![start.to_string()];
            while let Some(next) = states.get(&path[path.len() - 1]).and_then(|state| state.get("Next")) {
                path.push(next.as_str().expect("a state name").to_string());
            }
            path
        };
        let catch_target = |name: &str| {
            states
                .get(name)
                .and_then(|state| state.get("Catch"))
                .and_then(Node::elements)
                .and_then(|catchers| catchers[0].get("Next"))
                .and_then(Node::as_str)
                .expect("a Catch")
                .to_string()
        };
        assert_eq!(follow("Book hotel"), ["Book hotel", "Book flight", "Book car", "Trip booked"]);
        assert_eq!(
            follow(&catch_target("Book car")),
            ["Cancel car", "Cancel flight", "Cancel hotel", "Trip not booked"]
        );
        assert_eq!(follow(&catch_target("Book flight")), ["Cancel flight", "Cancel hotel", "Trip not booked"]);
        assert_eq!(follow(&catch_target("Book hotel")), ["Cancel hotel", "Trip not booked"]);
        assert_eq!(
            states.get("Trip not booked").and_then(|state| state.get("Type")).and_then(Node::as_str),
            Some("Fail")
        );
    }

    /// `{"StartAt": "X", "States": {"X": state}}`, with the Choice rule pointed at an added
    /// Succeed state when `connect_choice` (the designer does that when the state is connected).
    fn alone(state: Node, connect_choice: bool) -> Node {
        let mut state = state;
        let mut states = vec![];
        if connect_choice && state.get("Type").and_then(Node::as_str) == Some("Choice") {
            let rules = state.get_mut("Choices").and_then(|choices| match &mut choices.value {
                Value::Array(rules) => Some(rules),
                _ => None,
            });
            for rule in rules.expect("Choices") {
                rule.set("Next", string("Done"));
            }
            states.push(member("Done", Node::synthetic(Value::Object(vec![member("Type", string("Succeed"))]))));
        }
        states.insert(0, member("X", state));
        Node::synthetic(Value::Object(vec![
            member("StartAt", string("X")),
            member("States", Node::synthetic(Value::Object(states))),
        ]))
    }

    #[test]
    fn every_palette_state_validates_on_its_own() {
        let mut ids: Vec<&str> = PALETTE.iter().map(|item| item.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PALETTE.len(), "palette ids are unique");
        let state_types: Vec<&str> =
            PALETTE.iter().filter(|item| item.group == PaletteGroup::States).map(|item| item.base_name).collect();
        assert_eq!(state_types, ["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"]);
        for item in PALETTE {
            let state = read_canonical(item.id, item.state_json);
            if item.group == PaletteGroup::Tasks {
                assert_eq!(state.get("Type").and_then(Node::as_str), Some("Task"), "{}", item.id);
            } else {
                assert_eq!(state.get("Type").and_then(Node::as_str), Some(item.base_name), "{}", item.id);
            }
            let errors = errors(validate(&alone(state, true)));
            assert!(errors.is_empty(), "{}: {errors:#?}", item.id);
            assert_eq!(palette_item(item.id), Some(item));
        }
    }

    #[test]
    fn every_palette_state_rewritten_for_jsonata_validates_in_a_jsonata_machine() {
        for item in PALETTE {
            let state: serde_json::Value = serde_json::from_str(item.state_json).expect("JSON");
            let rewritten = jsonata::state_in_jsonata(&state);
            let text = serde_json::to_string(&rewritten).expect("printed");
            assert!(!text.contains(".$\""), "{}: a JSONPath key is left: {text}", item.id);
            let mut root = alone(json::parse(&text).expect("JSON"), true);
            if let Value::Object(members) = &mut root.value {
                members.insert(0, member("QueryLanguage", string("JSONata")));
            }
            let errors = errors(validate(&root));
            assert!(errors.is_empty(), "{}: {errors:#?}\n{text}", item.id);
        }
    }

    #[test]
    fn an_unconnected_choice_is_reported_until_the_designer_connects_it() {
        let choice = palette_item("choice").expect("choice");
        let state = json::parse(choice.state_json).expect("JSON");
        assert!(!errors(validate(&alone(state, false))).is_empty());
    }
}
