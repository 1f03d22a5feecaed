//! `GET /executions-events`: the executions list's live updates, as server-sent events. Each
//! message says that an execution started, ended or was redriven (`{"arn", "status"}`), or
//! that this stream fell behind (`{"lagged": n}`); the list then reads its page again. Map Run
//! children are left out, as the list leaves them out (Express executions are in it);
//! `?machine=ARN` keeps one state machine's, `?execution=ARN` one execution's (its page; a Map
//! Run's start and end come as a change of its parent), `?map_run=ARN` one Map Run's child
//! executions (with `execution=` its parent: the Map Run's page).
//!
//! A stream ends when the process is told to stop (SIGTERM, Ctrl-C), so an open browser tab
//! never holds up a graceful shutdown; `EventSource` reconnects by itself.

use std::convert::Infallible;

use axum::{
    extract::{Query, State},
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::stream::{self, Stream};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::{api::ApiState, engine::ExecutionChange};

/// The stream's optional filter.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LiveQuery {
    /// Only this state machine's executions.
    machine: Option<String>,
    /// Only this execution.
    execution: Option<String>,
    /// Only this Map Run's child executions (and `execution`, when given too).
    map_run: Option<String>,
}

/// The server-sent events stream of execution changes.
pub async fn execution_events(
    State(api): State<ApiState>,
    Query(query): Query<LiveQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = api.engine.subscribe();
    let filter = Filter {
        machine: query.machine.filter(|machine| !machine.is_empty()),
        execution: query.execution.filter(|execution| !execution.is_empty()),
        map_run: query.map_run.filter(|map_run| !map_run.is_empty()),
    };
    let stop = Box::pin(shutting_down());
    let events = stream::unfold((receiver, stop, filter), |(mut receiver, mut stop, filter)| async move {
        loop {
            let received = tokio::select! {
                () = &mut stop => return None,
                received = receiver.recv() => received,
            };
            let data = match received {
                Ok(change) if filter.selects(&change) => {
                    json!({ "arn": change.arn, "status": change.status })
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => json!({ "lagged": missed }),
                Err(RecvError::Closed) => return None,
            };
            return Some((Ok(Event::default().data(data.to_string())), (receiver, stop, filter)));
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// Which changes one stream sends.
#[derive(Debug, Default)]
struct Filter {
    /// Only this state machine's.
    machine: Option<String>,
    /// Only this execution's (a Map Run child's too).
    execution: Option<String>,
    /// Only this Map Run's children (and `execution`'s, when given too).
    map_run: Option<String>,
}

impl Filter {
    /// Whether the page this stream serves shows this change: one execution's page its own;
    /// a Map Run's page its children's and its parent's; the list executions, Standard and
    /// Express, that are not Map Run children (of one state machine).
    fn selects(&self, change: &ExecutionChange) -> bool {
        if self.execution.is_some() || self.map_run.is_some() {
            return self.execution.as_ref() == Some(&change.arn)
                || (self.map_run.is_some() && self.map_run == change.map_run_arn);
        }
        change.map_run_arn.is_none() && self.machine.as_ref().is_none_or(|machine| *machine == change.state_machine_arn)
    }
}

/// Resolves when the process receives SIGTERM or SIGINT (as `main` does for the server).
async fn shutting_down() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ExecutionType;

    #[test]
    fn only_what_the_list_shows() {
        let change = ExecutionChange {
            arn: "arn:aws:states:us-east-1:123456789012:execution:M:one".into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M".into(),
            status: "RUNNING",
            map_run_arn: None,
            kind: ExecutionType::Standard,
        };
        let machine = |arn: &str| Filter { machine: Some(arn.into()), ..Filter::default() };
        assert!(Filter::default().selects(&change));
        assert!(machine("arn:aws:states:us-east-1:123456789012:stateMachine:M").selects(&change));
        assert!(!machine("arn:aws:states:us-east-1:123456789012:stateMachine:Other").selects(&change));
        let child = ExecutionChange { map_run_arn: Some("run".into()), ..change.clone() };
        assert!(!Filter::default().selects(&child));
        assert!(Filter { execution: Some(change.arn.clone()), ..Filter::default() }.selects(&child));
        // A Map Run's page: its children and its parent, nothing else.
        let run_page = Filter {
            execution: Some("arn:aws:states:us-east-1:123456789012:execution:M:parent".into()),
            map_run: Some("run".into()),
            ..Filter::default()
        };
        assert!(run_page.selects(&child));
        assert!(!run_page.selects(&ExecutionChange { map_run_arn: Some("another run".into()), ..child.clone() }));
        assert!(!run_page.selects(&change));
        assert!(run_page.selects(&ExecutionChange { arn: run_page.execution.clone().expect("set"), ..change.clone() }));
        let express = ExecutionChange { kind: ExecutionType::Express, ..change };
        assert!(Filter::default().selects(&express));
        assert!(!machine("arn:aws:states:us-east-1:123456789012:stateMachine:Other").selects(&express));
    }
}
