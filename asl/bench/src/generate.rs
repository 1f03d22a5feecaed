//! A deterministic generator of large, valid, realistic state machine definitions.
//!
//! The machine is a chain of *segments* of [`SEGMENT_STATES`] states each, followed by a few
//! filler `Pass` states and a final `Succeed`, so [`definition`] produces exactly the number of
//! states asked for. Segments come in two kinds, one *rich* segment then two *plain* ones:
//!
//! - A rich segment has a Lambda `Task` with `Parameters` (`.$` paths, context paths,
//!   intrinsic calls), `ResultSelector`, two retriers and a catcher; a `Choice` with `And`,
//!   `Not` and plain rules and a `Default`; a `Wait` that loops back to the Task (a polling
//!   loop, so the graph has cycles); a `Parallel` of two branches of a `Task` and a `Pass`; a
//!   `Map` whose `ItemProcessor` holds a `Choice`, a `Task` and a `Pass`; `Pass` states with
//!   `Parameters` or `Result`; an SNS `Task` that reports failures, then either a `Fail` (every
//!   other rich segment) or a compensating `Pass` that rejoins the chain.
//! - A plain segment is the everyday part of a large machine: service integrations (Lambda,
//!   DynamoDB, SQS, EventBridge, S3), a `Choice` that rejects invalid records, a three-way
//!   `Choice` whose paths join again, a `Wait`, and `Pass` states using intrinsics.
//!
//! [`definition`] prints the machine minified, as the tools that generate machines this large
//! deploy them; 5,000 states come to about 1 MB, just under the 1 MiB AWS accepts.
//! [`pretty_definition`] prints the same machine with two-space indentation. Nothing is
//! random: the same size always gives the same text.

use serde_json::{Map, Value, json};

/// The number of states in one segment (top level and nested).
pub const SEGMENT_STATES: usize = 16;

/// The smallest machine [`definition`] can build: one segment and the final `Succeed`.
pub const MIN_STATES: usize = SEGMENT_STATES + 1;

/// Business nouns that name the segments, so state names vary as in real machines.
const NOUNS: [&str; 12] = [
    "Order", "Invoice", "Shipment", "Customer", "Payment", "Refund", "Ticket", "Contract", "Account", "Report",
    "Claim", "Booking",
];

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

/// A definition with exactly `states` states (at least [`MIN_STATES`]), as minified JSON: the
/// form tools that generate large machines (CDK's `DefinitionString`, Terraform's `jsonencode`)
/// deploy.
///
/// # Panics
///
/// When `states` is below [`MIN_STATES`].
pub fn definition(states: usize) -> String {
    serde_json::to_string(&machine(states)).expect("a serde_json::Value always serialises")
}

/// The same definition as [`definition`], pretty-printed with two-space indentation, the way
/// the AWS console and `statehouse fmt` print it.
///
/// # Panics
///
/// When `states` is below [`MIN_STATES`].
pub fn pretty_definition(states: usize) -> String {
    serde_json::to_string_pretty(&machine(states)).expect("a serde_json::Value always serialises")
}

/// The definition's tree, with exactly `states` states.
///
/// # Panics
///
/// When `states` is below [`MIN_STATES`].
pub fn machine(states: usize) -> Value {
    assert!(states >= MIN_STATES, "a generated definition has at least {MIN_STATES} states, not {states}");
    let segments = (states - 1) / SEGMENT_STATES;
    let fillers = (states - 1) % SEGMENT_STATES;

    let mut all = Map::new();
    for index in 0..segments {
        let next = if index + 1 < segments {
            first_state(index + 1)
        } else if fillers > 0 {
            filler_name(0)
        } else {
            "Done".to_string()
        };
        if is_rich(index) {
            rich_segment(&mut all, index, &next);
        } else {
            plain_segment(&mut all, index, &next);
        }
    }
    for index in 0..fillers {
        let next = if index + 1 < fillers { filler_name(index + 1) } else { "Done".to_string() };
        all.insert(
            filler_name(index),
            json!({
                "Type": "Pass",
                "Comment": "Record the finishing step in the output.",
                "Result": { "finishing": index },
                "ResultPath": format!("$.finishing{index}"),
                "Next": next,
            }),
        );
    }
    all.insert("Done".to_string(), json!({ "Type": "Succeed", "Comment": "Every segment has run." }));

    json!({
        "Comment": format!("Generated benchmark machine: {segments} segments of {SEGMENT_STATES} states, {states} states in all."),
        "StartAt": first_state(0),
        "TimeoutSeconds": 86_400,
        "States": Value::Object(all),
    })
}

/// The number of states in a definition's tree: members of every `States` object, however deep.
pub fn count_states(root: &Value) -> usize {
    match root {
        Value::Object(members) => {
            let here = members.get("States").and_then(Value::as_object).map_or(0, Map::len);
            here + members.values().map(count_states).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(count_states).sum(),
        _ => 0,
    }
}

/// The states of the smallest machine [`catch_all_machine`] can build: a `Task` and the `Fail`.
pub const CATCH_ALL_MIN_STATES: usize = 2;

/// The designer benchmark's machine, as minified JSON: the same definition that `generate(total)`
/// in `end2end/bench/designer-bench.mjs` builds (see [`catch_all_machine`]).
///
/// # Panics
///
/// When `states` is below [`CATCH_ALL_MIN_STATES`].
pub fn catch_all_definition(states: usize) -> String {
    serde_json::to_string(&catch_all_machine(states)).expect("a serde_json::Value always serialises")
}

/// A port of `generate(total)` in `end2end/bench/designer-bench.mjs`, state for state and key for
/// key (its pretty print is the text that script opens in the designer, less the final newline):
/// a chain of Lambda `Task`s, each with a retrier and a `States.ALL` catcher that leads to the one
/// `Fail` state, a `Choice` every 12 states that skips a state, a `Parallel` of two three-state
/// branches every 30 and a `Map` with a three-state item processor every 45. States inside
/// branches and item processors have no catcher.
///
/// The shape matters for the layout: about four in five states have an edge into the one sink, so
/// hundreds of long edges end at the bottom of the drawing.
///
/// # Panics
///
/// When `states` is below [`CATCH_ALL_MIN_STATES`].
pub fn catch_all_machine(states: usize) -> Value {
    assert!(
        states >= CATCH_ALL_MIN_STATES,
        "a catch-all definition has at least {CATCH_ALL_MIN_STATES} states, not {states}"
    );
    let mut builder = CatchAllBuilder { count: 0 };
    // The Fail state counts too: build with one less.
    let (start_at, all) = builder.chain(states - 1, 0);
    json!({
        "Comment": format!("Generated: {} states", builder.count),
        "StartAt": start_at,
        "States": Value::Object(all),
    })
}

/// The state of `generate(total)`: how many states have been named so far.
struct CatchAllBuilder {
    count: usize,
}

impl CatchAllBuilder {
    /// `name(kind)`: the next state's name, `"<kind> <count>"`.
    fn name(&mut self, kind: &str) -> String {
        self.count += 1;
        format!("{kind} {}", self.count)
    }

    /// `chain(budget, depth)`: a scope of `budget` states (plus the `Fail` at depth 0), as its
    /// `StartAt` and its `States`.
    fn chain(&mut self, budget: usize, depth: usize) -> (String, Map<String, Value>) {
        let mut budget = budget;
        let mut states = Map::new();
        let mut order: Vec<String> = Vec::new();
        while budget > 0 {
            let left = budget;
            let (state_name, state) = if depth == 0 && left >= 8 && self.count % 30 == 29 {
                let parallel = self.name("Parallel");
                let branches: Vec<Value> = (0..2).map(|_| self.scope(3, depth + 1)).collect();
                budget -= 7;
                (parallel, json!({ "Type": "Parallel", "Branches": branches, "ResultPath": "$.parallel" }))
            } else if depth == 0 && left >= 5 && self.count % 45 == 44 {
                let map = self.name("Map");
                let processor = self.scope(3, depth + 1);
                budget -= 4;
                (
                    map,
                    json!({
                        "Type": "Map",
                        "ItemsPath": "$.items",
                        "MaxConcurrency": 4,
                        "ItemProcessor": processor,
                        "ResultPath": null,
                    }),
                )
            } else if left >= 3 && self.count % 12 == 11 {
                let choice = self.name("Choice");
                budget -= 1;
                (
                    choice,
                    json!({
                        "Type": "Choice",
                        "Choices": [{ "Variable": "$.total", "NumericGreaterThan": 100, "Next": "" }],
                        "Default": "",
                    }),
                )
            } else {
                let task = self.name("Task");
                budget -= 1;
                (
                    task,
                    json!({
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {
                            "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:step",
                            "Payload.$": "$",
                        },
                        "Retry": [{
                            "ErrorEquals": ["Lambda.TooManyRequestsException"],
                            "IntervalSeconds": 1,
                            "MaxAttempts": 3,
                            "BackoffRate": 2,
                        }],
                        "ResultPath": "$.result",
                    }),
                )
            };
            states.insert(state_name.clone(), state);
            order.push(state_name);
        }
        let fail_name = (depth == 0).then(|| self.name("Fail"));
        if let Some(fail_name) = &fail_name {
            states.insert(fail_name.clone(), json!({ "Type": "Fail", "Error": "Failed" }));
        }
        // Wire the chain: each state leads to the next; Choices branch to the one after next.
        for (index, state_name) in order.iter().enumerate() {
            let next = order.get(index + 1);
            let state = states.get_mut(state_name).and_then(Value::as_object_mut).expect("every ordered state exists");
            let is_task = state["Type"] == "Task";
            if state["Type"] == "Choice" {
                let choice_next = order.get(index + 2).or(next).unwrap_or(&order[0]);
                state["Choices"][0]["Next"] = json!(choice_next);
                state["Default"] = json!(next.unwrap_or(&order[0]));
            } else if let Some(next) = next {
                state.insert("Next".to_string(), json!(next));
            } else {
                state.insert("End".to_string(), json!(true));
            }
            if is_task && let Some(fail_name) = &fail_name {
                state.insert("Catch".to_string(), json!([{ "ErrorEquals": ["States.ALL"], "Next": fail_name }]));
            }
        }
        (order[0].clone(), states)
    }

    /// A branch or item processor: `chain(budget, depth)` as `{ "StartAt", "States" }`.
    fn scope(&mut self, budget: usize, depth: usize) -> Value {
        let (start_at, states) = self.chain(budget, depth);
        json!({ "StartAt": start_at, "States": Value::Object(states) })
    }
}

/// Whether segment `index` is a rich one (one in three).
fn is_rich(index: usize) -> bool {
    index.is_multiple_of(3)
}

fn first_state(index: usize) -> String {
    let role = if is_rich(index) { "Load" } else { "Validate" };
    format!("{role}{}{index:04}", noun(index))
}

fn filler_name(index: usize) -> String {
    format!("Finalise{index}")
}

fn noun(index: usize) -> &'static str {
    NOUNS[index % NOUNS.len()]
}

fn lambda(function: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}")
}

/// Inserts the [`SEGMENT_STATES`] states of rich segment `index`; the last leads to `next`.
fn rich_segment(states: &mut Map<String, Value>, index: usize, next: &str) {
    let noun = noun(index);
    let lower = noun.to_lowercase();
    let name = |role: &str| format!("{role}{noun}{index:04}");
    let part = |role: &str, what: &str| format!("{role}{noun}{what}{index:04}");
    let load = first_state(index);
    let route = name("Route");
    let wait = name("WaitFor");
    let enrich = name("Enrich");
    let items = part("Process", "Items");
    let annotate = name("Annotate");
    let join = name("Complete");
    let report = part("Report", "Failure");
    let fails = index % 6 == 3;
    let after_report = if fails { name("Fail") } else { name("Compensate") };
    let threshold = 100 * (1 + index % 9);

    states.insert(
        load.clone(),
        json!({
            "Type": "Task",
            "Comment": format!("Load the {lower} and its line items."),
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": lambda(&format!("load-{lower}")),
                "Payload": {
                    "id.$": "$.id",
                    "enteredAt.$": "$$.State.EnteredTime",
                    "traceId.$": "States.Format('{}-{}', $$.Execution.Name, $.id)",
                    "attempt.$": "States.MathAdd($.attempt, 1)"
                }
            },
            "ResultSelector": { "record.$": "$.Payload" },
            "ResultPath": "$.record",
            "TimeoutSeconds": 30 + index % 60,
            "Retry": [
                {
                    "ErrorEquals": [
                        "Lambda.ServiceException",
                        "Lambda.AWSLambdaException",
                        "Lambda.SdkClientException",
                        "Lambda.TooManyRequestsException"
                    ],
                    "IntervalSeconds": 1,
                    "MaxAttempts": 3,
                    "BackoffRate": 2.0,
                    "MaxDelaySeconds": 20
                },
                { "ErrorEquals": ["States.Timeout"], "IntervalSeconds": 5, "MaxAttempts": 2 }
            ],
            "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": report }],
            "Next": route
        }),
    );
    states.insert(
        route.clone(),
        json!({
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        { "Variable": "$.record.status", "StringEquals": "active" },
                        { "Variable": "$.record.total", "NumericGreaterThan": threshold }
                    ],
                    "Next": enrich
                },
                { "Variable": "$.record.kind", "StringMatches": "batch-*", "Next": items },
                { "Not": { "Variable": "$.record.ready", "BooleanEquals": true }, "Next": wait }
            ],
            "Default": annotate
        }),
    );
    states.insert(wait, json!({ "Type": "Wait", "Seconds": 10 + index % 50, "Next": load }));
    states.insert(
        enrich,
        json!({
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": part("Fetch", "Profile"),
                    "States": {
                        part("Fetch", "Profile"): {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::dynamodb:getItem",
                            "Parameters": {
                                "TableName": format!("{lower}-profiles"),
                                "Key": { "pk": { "S.$": "$.id" } }
                            },
                            "ResultSelector": { "profile.$": "$.Item" },
                            "Next": name("Normalise")
                        },
                        name("Normalise"): {
                            "Type": "Pass",
                            "Parameters": {
                                "name.$": "$.profile.name.S",
                                "tier.$": "States.ArrayGetItem(States.StringSplit($.profile.tiers.S, ','), 0)"
                            },
                            "End": true
                        }
                    }
                },
                {
                    "StartAt": name("Score"),
                    "States": {
                        name("Score"): {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {
                                "FunctionName": lambda("score-risk"),
                                "Payload": { "record.$": "$.record", "kind": lower }
                            },
                            "OutputPath": "$.Payload",
                            "Retry": [{ "ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2, "BackoffRate": 1.5 }],
                            "Next": name("Grade")
                        },
                        name("Grade"): {
                            "Type": "Pass",
                            "Parameters": { "score.$": "$.score", "high.$": "States.MathAdd($.score, -50)" },
                            "End": true
                        }
                    }
                }
            ],
            "ResultSelector": { "profile.$": "$[0]", "risk.$": "$[1]" },
            "ResultPath": "$.enrichment",
            "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": report }],
            "Next": join
        }),
    );
    states.insert(
        items,
        json!({
            "Type": "Map",
            "ItemsPath": "$.record.items",
            "ItemSelector": { "item.$": "$$.Map.Item.Value", "position.$": "$$.Map.Item.Index", "id.$": "$.id" },
            "MaxConcurrency": 10,
            "ItemProcessor": {
                "ProcessorConfig": { "Mode": "INLINE" },
                "StartAt": part("Check", "Item"),
                "States": {
                    part("Check", "Item"): {
                        "Type": "Choice",
                        "Choices": [{ "Variable": "$.item.quantity", "NumericGreaterThan": 0, "Next": name("Price") }],
                        "Default": name("Skip")
                    },
                    name("Price"): {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": { "FunctionName": lambda("price-item"), "Payload.$": "$" },
                        "ResultSelector": { "price.$": "$.Payload.price" },
                        "End": true
                    },
                    name("Skip"): { "Type": "Pass", "Result": { "price": 0 }, "End": true }
                }
            },
            "ResultPath": "$.prices",
            "Next": join
        }),
    );
    states.insert(
        annotate,
        json!({
            "Type": "Pass",
            "Parameters": {
                "summary.$": "States.Format('{} {} is {}', $.record.kind, $.id, $.record.status)",
                "tags.$": "States.Array('statehouse', $.record.kind)",
                "hash.$": "States.Hash($.id, 'SHA-256')"
            },
            "ResultPath": "$.annotation",
            "Next": join
        }),
    );
    states.insert(
        join,
        json!({ "Type": "Pass", "Result": { "segment": index, "noun": lower }, "ResultPath": "$.completed", "Next": next }),
    );
    states.insert(
        report,
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": format!("arn:aws:sns:{REGION}:{ACCOUNT}:{lower}-failures"),
                "Subject.$": "States.Format('{} {} failed', $$.Execution.Name, $.id)",
                "Message.$": "States.JsonToString($.error)"
            },
            "ResultPath": null,
            "Next": after_report
        }),
    );
    if fails {
        states.insert(
            after_report,
            json!({ "Type": "Fail", "Error": format!("{noun}Failed"), "Cause": format!("The {lower} could not be processed.") }),
        );
    } else {
        states.insert(
            after_report,
            json!({ "Type": "Pass", "Result": { "compensated": true }, "ResultPath": "$.compensation", "Next": name("Complete") }),
        );
    }
}

/// Inserts the [`SEGMENT_STATES`] states of plain segment `index`; the last leads to `next`.
fn plain_segment(states: &mut Map<String, Value>, index: usize, next: &str) {
    let noun = noun(index);
    let lower = noun.to_lowercase();
    let name = |role: &str| format!("{role}{noun}{index:04}");
    let [check, store, stamp, notify, pause, classify] =
        ["Check", "Store", "Stamp", "Notify", "Pause", "Classify"].map(name);
    let [priority, small, standard, merge, publish, archive] =
        ["Prioritise", "FlagSmall", "Standard", "Merge", "Publish", "Archive"].map(name);
    let [summarise, reject, finish] = ["Summarise", "Reject", "Finish"].map(name);
    let chain: [(String, Value); 16] = [
        (
            first_state(index),
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": { "FunctionName": lambda(&format!("validate-{lower}")), "Payload.$": "$" },
                "ResultPath": "$.validation",
                "TimeoutSeconds": 20,
                "Retry": [{ "ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2 }],
                "Next": check
            }),
        ),
        (
            check,
            json!({
                "Type": "Choice",
                "Choices": [{
                    "And": [
                        { "Variable": "$.validation.Payload.ok", "BooleanEquals": true },
                        { "Not": { "Variable": "$.validation.Payload.errors[0]", "IsPresent": true } }
                    ],
                    "Next": store
                }],
                "Default": reject
            }),
        ),
        (
            store,
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": { "TableName": format!("{lower}s"), "Item.$": "$.item" },
                "ResultPath": null,
                "Next": stamp
            }),
        ),
        (
            stamp,
            json!({
                "Type": "Pass",
                "Parameters": { "at.$": "$$.State.EnteredTime", "uuid.$": "States.UUID()" },
                "ResultPath": "$.stamp",
                "Next": notify
            }),
        ),
        (
            notify,
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": { "QueueUrl.$": "$.queueUrl", "MessageBody.$": "States.JsonToString($.stamp)" },
                "ResultPath": null,
                "Next": pause
            }),
        ),
        (pause, json!({ "Type": "Wait", "Seconds": 1 + index % 30, "Next": classify })),
        (
            classify,
            json!({
                "Type": "Choice",
                "Choices": [
                    { "Variable": "$.tier", "StringEquals": "gold", "Next": priority },
                    { "Variable": "$.total", "NumericLessThan": 10 * (1 + index % 7), "Next": small }
                ],
                "Default": standard
            }),
        ),
        (priority, json!({ "Type": "Pass", "Result": "priority", "ResultPath": "$.lane", "Next": merge })),
        (small, json!({ "Type": "Pass", "Result": "small", "ResultPath": "$.lane", "Next": merge })),
        (standard, json!({ "Type": "Pass", "Result": "standard", "ResultPath": "$.lane", "Next": merge })),
        (merge, json!({ "Type": "Pass", "Next": publish })),
        (
            publish,
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {
                    "Entries": [{ "Source": "statehouse", "DetailType": format!("{noun}Stored"), "Detail.$": "$.stamp" }]
                },
                "ResultPath": null,
                "Next": archive
            }),
        ),
        (
            archive,
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                "Parameters": {
                    "Bucket": "statehouse-archive",
                    "Key.$": format!("States.Format('{lower}/{{}}.json', $.id)"),
                    "Body.$": "$"
                },
                "ResultPath": null,
                "Next": summarise
            }),
        ),
        (
            summarise,
            json!({
                "Type": "Pass",
                "Parameters": { "id.$": "$.id", "lane.$": "$.lane" },
                "Next": finish
            }),
        ),
        (reject, json!({ "Type": "Pass", "Result": "rejected", "ResultPath": "$.outcome", "Next": finish })),
        (finish, json!({ "Type": "Pass", "Next": next })),
    ];
    states.extend(chain);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<asl::Diagnostic> {
        let (_, diagnostics) = asl::parse(text);
        diagnostics.into_iter().filter(|diagnostic| diagnostic.severity == asl::Severity::Error).collect()
    }

    #[test]
    fn sizes_are_exact_and_definitions_valid() {
        for states in [MIN_STATES, 18, 33, 500, 501] {
            let text = definition(states);
            let tree: Value = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(count_states(&tree), states);
            assert_eq!(errors(&text), [], "{states} states");
            assert_eq!(errors(&pretty_definition(states)), [], "{states} states, pretty-printed");
        }
    }

    #[test]
    fn five_thousand_states_come_to_about_a_megabyte_and_are_valid() {
        let text = definition(5_000);
        // At most 1 MiB, so AWS would accept it, and not much less.
        assert!((950_000..=1_048_576).contains(&text.len()), "{} bytes", text.len());
        assert_eq!(errors(&text), []);
    }

    #[test]
    fn catch_all_machines_are_valid_with_one_sink_for_every_top_level_task() {
        for states in [CATCH_ALL_MIN_STATES, 40, 500] {
            let machine = catch_all_machine(states);
            assert_eq!(count_states(&machine), states);
            assert_eq!(errors(&catch_all_definition(states)), [], "{states} states");
        }
        let machine = catch_all_machine(500);
        let top_level = machine["States"].as_object().expect("States");
        let fail = top_level.keys().next_back().expect("a Fail state").clone();
        assert_eq!(top_level[&fail]["Type"], "Fail");
        let catchers = top_level.values().filter(|state| state["Catch"][0]["Next"] == fail.as_str()).count();
        assert!(catchers > 300, "{catchers} catchers");
        // The first states, as designer-bench.mjs names and wires them.
        assert_eq!(machine["StartAt"], "Task 1");
        assert_eq!(top_level["Choice 12"]["Choices"][0]["Next"], "Task 14");
        assert_eq!(top_level["Choice 12"]["Default"], "Task 13");
    }

    #[test]
    fn the_same_size_gives_the_same_text() {
        assert_eq!(definition(100), definition(100));
        assert_eq!(pretty_definition(100), pretty_definition(100));
    }
}
