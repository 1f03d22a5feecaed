//! Actual cost from recorded executions: one execution's billed state transitions and their
//! price ([`ExecutionCostLine`], on its page), and a state machine's transitions and cost per
//! day ([`MachineCostSection`], on `/executions?machine=…`). Transitions are counted from the
//! histories by `asl::cost::actual::billed_transitions`; prices are Standard's, of the region
//! in the ARNs (the server's configured region), before the monthly free tier.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{EventRow, ExecutionsError};

/// One UTC day of a state machine's recorded executions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyCost {
    /// The day, `2025-01-15` (executions count on the day they started).
    pub day: String,
    /// Executions of the state machine started that day (Map Run children not included).
    pub executions: u64,
    /// Distributed Map child executions started that day.
    pub child_executions: u64,
    /// The state transitions their histories bill (children's included).
    pub transitions: u64,
    /// What those transitions cost, USD, before the free tier.
    pub cost_usd: f64,
}

/// A state machine's actual cost, newest day first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MachineCost {
    /// The region whose prices apply.
    pub region: String,
    /// Its Standard price per 1,000 transitions, when recorded.
    pub usd_per_1000_transitions: Option<f64>,
    /// The days with executions, newest first.
    pub days: Vec<DailyCost>,
}

/// The region an ARN names (`arn:aws:states:REGION:…`).
pub fn arn_region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// The state transitions one history bills, as AWS counts them.
pub fn execution_transitions(events: &[EventRow]) -> u64 {
    let recorded: Vec<asl::cost::actual::RecordedEvent<'_>> = events
        .iter()
        .map(|event| asl::cost::actual::RecordedEvent {
            id: event.id,
            previous_id: event.previous_id,
            event_type: &event.event_type,
        })
        .collect();
    asl::cost::actual::billed_transitions(&recorded)
}

/// `$0.000125`: amounts below a cent keep six decimals, larger ones four.
pub fn usd_text(amount: f64) -> String {
    if amount < 0.01 { format!("${amount:.6}") } else { format!("${amount:.4}") }
}

/// A state machine's recorded executions' transitions and cost per day.
#[server(prefix = "/api", endpoint = "executions/cost")]
pub async fn read_machine_cost(machine: String) -> Result<MachineCost, ExecutionsError> {
    let context = expect_context::<crate::ssr::ServerContext>();
    context.executions.daily_cost(&context.pool, &machine).await
}

/// "This execution: N transitions, $X" (`data-testid="execution-cost"`, `data-transitions`).
#[component]
pub(crate) fn ExecutionCostLine(arn: String, events: Vec<EventRow>) -> impl IntoView {
    let transitions = execution_transitions(&events);
    let region = arn_region(&arn).to_string();
    let price = asl::cost::prices::region(&region)
        .map(|prices| asl::cost::actual::standard_cost_usd(prices, transitions))
        .map_or_else(|| format!("no Standard price recorded for {region}"), usd_text);
    let noun = if transitions == 1 { "transition" } else { "transitions" };
    view! {
        <p class="execution-cost" data-testid="execution-cost" data-transitions=transitions>
            "This execution: " {transitions} " " {noun} ", " {price}
            <span class="muted">" (Standard prices of " {region} ", before the free tier; retries count)"</span>
        </p>
    }
}

/// The per-day cost of the state machine `machine` names, if any. Made in the page's body
/// (not in a branch of its view), so the server and the browser create their resources in the
/// same order.
pub(crate) fn machine_cost_resource(
    machine: Memo<Option<String>>,
) -> Resource<Result<Option<MachineCost>, ExecutionsError>> {
    Resource::new(
        move || machine.get(),
        |machine| async move {
            match machine {
                Some(machine) => read_machine_cost(machine).await.map(Some),
                None => Ok(None),
            }
        },
    )
}

/// The per-day cost table (`data-testid="machine-cost"`), when the page shows one state
/// machine. The list renders it inside its own `Transition` (two sibling transitions on one
/// page streamed their chunks into each other's places).
#[component]
pub(crate) fn MachineCostSection(cost: Result<Option<MachineCost>, ExecutionsError>) -> impl IntoView {
    let body = match cost {
        Ok(None) => return None,
        Ok(Some(cost)) => view! { <CostTable cost /> }.into_any(),
        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
    };
    Some(view! {
        <section class="card machine-cost">
            <h2>"Actual cost"</h2>
            {body}
        </section>
    })
}

#[component]
fn CostTable(cost: MachineCost) -> impl IntoView {
    let MachineCost { region, usd_per_1000_transitions, days } = cost;
    let price = match usd_per_1000_transitions {
        Some(price) => format!("${price} per 1,000 state transitions"),
        None => "no Standard price recorded".into(),
    };
    let note = format!(
        "Standard workflow prices of {region} ({price}), counted from the recorded histories: every state entered \
         and every retry is a transition; Distributed Map children are included. The monthly free tier of \
         4,000 transitions is not applied per day. Express executions are not recorded, so not counted."
    );
    if days.is_empty() {
        return view! {
            <p class="muted">{note}</p>
            <p data-testid="machine-cost-empty">"No recorded executions yet."</p>
        }
        .into_any();
    }
    view! {
        <p class="muted">{note}</p>
        <table class="executions cost" data-testid="machine-cost">
            <thead>
                <tr>
                    <th scope="col">"Day (UTC)"</th>
                    <th scope="col">"Executions"</th>
                    <th scope="col">"Child executions"</th>
                    <th scope="col">"Transitions"</th>
                    <th scope="col">"Cost"</th>
                </tr>
            </thead>
            <tbody>
                {days
                    .into_iter()
                    .map(|day| {
                        let cost = if usd_per_1000_transitions.is_some() { usd_text(day.cost_usd) } else { "—".into() };
                        view! {
                            <tr data-day=day.day.clone()>
                                <td data-label="Day (UTC)">{day.day.clone()}</td>
                                <td data-label="Executions" data-cell="executions">{day.executions}</td>
                                <td data-label="Child executions" data-cell="child-executions">{day.child_executions}</td>
                                <td data-label="Transitions" data-cell="transitions">{day.transitions}</td>
                                <td data-label="Cost" data-cell="cost">{cost}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
