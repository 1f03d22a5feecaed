//! `GET /executions-export?arn=…`: an execution's history as `aws stepfunctions
//! get-execution-history` prints it.

use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::Value;

use crate::{api::ApiState, engine::history::HistoryEvent};

/// The `arn` parameter of the export route.
#[derive(Debug, serde::Deserialize)]
pub struct ExportQuery {
    /// The execution's ARN.
    arn: String,
}

/// `GET /executions-export?arn=…`: the whole history as `aws stepfunctions
/// get-execution-history` prints it (AWS CLI v2, JSON output): `{"events": [...]}` indented by
/// four spaces, timestamps in ISO 8601 with microseconds, offset `+00:00`.
pub async fn export(State(api): State<ApiState>, Query(query): Query<ExportQuery>) -> Response {
    match api.engine.history(&query.arn).await {
        Ok(Some(events)) => {
            let name = query.arn.rsplit(':').next().unwrap_or("execution").to_string();
            let body = cli_history(&events);
            (
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}-history.json\"")),
                ],
                body,
            )
                .into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, format!("there is no execution {}", query.arn)).into_response(),
        Err(error) => {
            tracing::error!(%error, "exporting an execution's history");
            (StatusCode::INTERNAL_SERVER_ERROR, "the history could not be read; the server's log has the details")
                .into_response()
        }
    }
}

/// The history as the AWS CLI prints `get-execution-history`.
pub fn cli_history(events: &[HistoryEvent]) -> String {
    let events: Vec<Value> = events
        .iter()
        .map(|event| {
            let mut value = event.to_aws_json(true);
            value["timestamp"] = Value::String(cli_timestamp(event.timestamp_millis));
            value
        })
        .collect();
    let document = serde_json::json!({ "events": events });
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&document, &mut serializer).expect("a JSON value always serializes");
    let mut text = String::from_utf8(out).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

/// A timestamp as the CLI prints it: Python's `datetime.isoformat()` in UTC, whose fraction
/// has six digits and is left out when it is zero.
fn cli_timestamp(millis: i64) -> String {
    let text = asl::eval::time::format_millis(millis);
    let (seconds, fraction) = text.trim_end_matches('Z').split_once('.').unwrap_or((&text, "000"));
    if millis.rem_euclid(1000) == 0 { format!("{seconds}+00:00") } else { format!("{seconds}.{fraction}000+00:00") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_like_the_cli() {
        assert_eq!(cli_timestamp(1_700_000_000_000), "2023-11-14T22:13:20+00:00");
        assert_eq!(cli_timestamp(1_700_000_000_123), "2023-11-14T22:13:20.123000+00:00");
    }
}
