//! A distributed Map's `ResultWriter`: the Map Run's child execution results as AWS exports
//! them to S3, written to the local folder that stands in for it. Under
//! `PREFIX/MAP_RUN_ID/` go `SUCCEEDED_0.json`, `FAILED_0.json` and `PENDING_0.json` (only the
//! ones with records) and `manifest.json`, which lists them; the Map state's result then
//! names the manifest (`{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`).
//!
//! The records follow `WriterConfig`: `Transformation` `NONE` (the default when exporting)
//! writes each child execution's record (ARN, name, input and output as JSON text, dates,
//! status, redrive fields, and `Error`/`Cause` for failed ones); `COMPACT` writes only the
//! succeeded outputs and `FLATTEN` also flattens array outputs (failed records stay whole,
//! as AWS keeps them). `OutputType` `JSON` writes a JSON array, `JSONL` one record a line.

use serde_json::{Map, Value, json};

use asl::eval::{failure::Failure, time::format_millis};

use super::decide::Status;

/// The error a Map state fails with when its results cannot be written.
pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";

fn writer_failed(cause: impl Into<String>) -> Failure {
    Failure::new(RESULT_WRITER_FAILED, cause)
}

/// `WriterConfig.Transformation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transformation {
    /// Whole child execution records.
    None,
    /// The succeeded outputs only.
    Compact,
    /// The succeeded outputs, array outputs flattened into the list.
    Flatten,
}

/// `WriterConfig.OutputType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputType {
    /// One JSON array a file.
    Json,
    /// JSON Lines: one record a line.
    Jsonl,
}

/// What the decider asked to write: the arguments of its
/// [`WRITE_RESULTS_RESOURCE`](super::decide::WRITE_RESULTS_RESOURCE) task, read.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteRequest {
    /// The Map Run.
    pub map_run_arn: String,
    /// The bucket.
    pub bucket: String,
    /// The key prefix (may be empty).
    pub prefix: String,
    /// `Transformation`.
    pub transformation: Transformation,
    /// `OutputType`.
    pub output_type: OutputType,
}

impl WriteRequest {
    /// Reads the task's arguments: `MapRunArn`, `Bucket`, `Prefix`, `WriterConfig`.
    pub fn from_arguments(arguments: &Value) -> Result<WriteRequest, Failure> {
        let text = |name: &str| arguments.get(name).and_then(Value::as_str);
        let resource = text("Resource").unwrap_or_default();
        if resource != "arn:aws:states:::s3:putObject" {
            return Err(writer_failed(format!(
                "The ResultWriter resource '{resource}' is not supported; use 'arn:aws:states:::s3:putObject'."
            )));
        }
        let Some(bucket) = text("Bucket").filter(|bucket| !bucket.is_empty()) else {
            return Err(writer_failed("The ResultWriter's parameters have no 'Bucket' string."));
        };
        let config = arguments.get("WriterConfig");
        let setting = |name: &str| config.and_then(|config| config.get(name)).and_then(Value::as_str);
        let transformation = match setting("Transformation").unwrap_or("NONE") {
            "NONE" => Transformation::None,
            "COMPACT" => Transformation::Compact,
            "FLATTEN" => Transformation::Flatten,
            other => return Err(writer_failed(format!("The Transformation '{other}' is not supported."))),
        };
        let output_type = match setting("OutputType").unwrap_or("JSON") {
            "JSON" => OutputType::Json,
            "JSONL" => OutputType::Jsonl,
            other => return Err(writer_failed(format!("The OutputType '{other}' is not supported."))),
        };
        Ok(WriteRequest {
            map_run_arn: text("MapRunArn").unwrap_or_default().to_string(),
            bucket: bucket.to_string(),
            prefix: text("Prefix").unwrap_or_default().to_string(),
            transformation,
            output_type,
        })
    }

    /// The folder of this Map Run's files: `PREFIX/MAP_RUN_ID/` (`MAP_RUN_ID/` without a
    /// prefix), the run id being the last part of its ARN.
    pub fn folder(&self) -> String {
        let run_id = self.map_run_arn.rsplit(':').next().unwrap_or_default();
        let prefix = self.prefix.trim_end_matches('/');
        if prefix.is_empty() { format!("{run_id}/") } else { format!("{prefix}/{run_id}/") }
    }

    /// The manifest's key.
    pub fn manifest_key(&self) -> String {
        format!("{}manifest.json", self.folder())
    }

    /// The Map state's result: the Map Run and where its manifest is.
    pub fn details(&self) -> Value {
        json!({
            "MapRunArn": self.map_run_arn,
            "ResultWriterDetails": {"Bucket": self.bucket, "Key": self.manifest_key()},
        })
    }
}

/// One child execution of the Map Run, as the database (or the Express memory) holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildResult {
    /// Its ARN.
    pub arn: String,
    /// Its state machine (`MACHINE/LABEL`).
    pub state_machine_arn: String,
    /// Its name (`RUN_ID-INDEX`).
    pub name: String,
    /// Its input, as JSON text.
    pub input_text: String,
    /// When it started, in milliseconds since the epoch.
    pub start_millis: i64,
    /// When it stopped.
    pub stop_millis: Option<i64>,
    /// How many times it was redriven.
    pub redrive_count: u32,
    /// How it stands.
    pub status: Status,
}

impl ChildResult {
    /// The item's index, read from the name's last part (children sort by it).
    fn index(&self) -> u64 {
        self.name.rsplit('-').next().and_then(|index| index.parse().ok()).unwrap_or(u64::MAX)
    }

    /// The record AWS writes with `Transformation` `NONE`, keys in its (alphabetical) order.
    pub fn record(&self) -> Value {
        let mut record = Map::new();
        let (status, failure) = match &self.status {
            Status::Running => ("PENDING", None),
            Status::Succeeded { .. } => ("SUCCEEDED", None),
            Status::Failed { failure } => ("FAILED", Some(failure)),
            Status::TimedOut { failure } => ("TIMED_OUT", Some(failure)),
            Status::Aborted { failure } => ("ABORTED", Some(failure)),
        };
        if let Some(failure) = failure {
            if let Some(cause) = &failure.cause {
                record.insert("Cause".into(), Value::String(cause.clone()));
            }
            if let Some(error) = &failure.error {
                record.insert("Error".into(), Value::String(error.clone()));
            }
        }
        record.insert("ExecutionArn".into(), Value::String(self.arn.clone()));
        record.insert("Input".into(), Value::String(self.input_text.clone()));
        record.insert("InputDetails".into(), json!({"Included": true}));
        record.insert("Name".into(), Value::String(self.name.clone()));
        if let Status::Succeeded { output } = &self.status {
            record.insert("Output".into(), Value::String(output.to_string()));
            record.insert("OutputDetails".into(), json!({"Included": true}));
        }
        record.insert("RedriveCount".into(), Value::from(self.redrive_count));
        match &self.status {
            Status::Succeeded { .. } => {
                record.insert("RedriveStatus".into(), Value::String("NOT_REDRIVABLE".into()));
                record.insert(
                    "RedriveStatusReason".into(),
                    Value::String("Execution is SUCCEEDED and cannot be redriven".into()),
                );
            }
            Status::Running => {
                record.insert("RedriveStatus".into(), Value::String("NOT_REDRIVABLE".into()));
                record.insert(
                    "RedriveStatusReason".into(),
                    Value::String("Execution is RUNNING and cannot be redriven".into()),
                );
            }
            _ => {
                record.insert("RedriveStatus".into(), Value::String("REDRIVABLE_BY_MAP_RUN".into()));
            }
        }
        record.insert("StartDate".into(), Value::String(format_millis(self.start_millis)));
        record.insert("StateMachineArn".into(), Value::String(self.state_machine_arn.clone()));
        record.insert("Status".into(), Value::String(status.into()));
        if let Some(stop) = self.stop_millis.filter(|_| !matches!(self.status, Status::Running)) {
            record.insert("StopDate".into(), Value::String(format_millis(stop)));
        }
        Value::Object(record)
    }
}

/// The objects to write, `(key, body)`, the manifest last (so a reader that finds it finds
/// the files it lists).
pub fn result_files(request: &WriteRequest, children: &[ChildResult]) -> Vec<(String, Vec<u8>)> {
    let mut children: Vec<&ChildResult> = children.iter().collect();
    children.sort_by_key(|child| child.index());
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    let mut pending = Vec::new();
    for child in children {
        match (&child.status, request.transformation) {
            (Status::Succeeded { .. }, Transformation::None) => succeeded.push(child.record()),
            (Status::Succeeded { output }, Transformation::Compact) => succeeded.push(output.clone()),
            (Status::Succeeded { output: Value::Array(elements) }, Transformation::Flatten) => {
                succeeded.extend(elements.iter().cloned())
            }
            (Status::Succeeded { output }, Transformation::Flatten) => succeeded.push(output.clone()),
            (Status::Running, _) => pending.push(child.record()),
            _ => failed.push(child.record()),
        }
    }
    let folder = request.folder();
    let mut objects = Vec::new();
    let mut listed = Map::new();
    for (status, records) in [("FAILED", failed), ("PENDING", pending), ("SUCCEEDED", succeeded)] {
        let mut files = Vec::new();
        if !records.is_empty() {
            let key = format!("{folder}{status}_0.json");
            let body = encode(&records, request.output_type);
            files.push(json!({"Key": key, "Size": body.len()}));
            objects.push((key, body));
        }
        listed.insert(status.into(), Value::Array(files));
    }
    let manifest = json!({
        "DestinationBucket": request.bucket,
        "MapRunArn": request.map_run_arn,
        "ResultFiles": listed,
    });
    objects.push((request.manifest_key(), manifest.to_string().into_bytes()));
    objects
}

fn encode(records: &[Value], output_type: OutputType) -> Vec<u8> {
    match output_type {
        OutputType::Json => Value::Array(records.to_vec()).to_string().into_bytes(),
        OutputType::Jsonl => {
            let mut text = String::new();
            for record in records {
                text.push_str(&record.to_string());
                text.push('\n');
            }
            text.into_bytes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::decide::FailureRecord;

    const RUN: &str = "arn:aws:states:us-east-1:123456789012:mapRun:machine/Map:4f1c";

    fn request(config: Value) -> WriteRequest {
        WriteRequest::from_arguments(&json!({
            "MapRunArn": RUN,
            "Resource": "arn:aws:states:::s3:putObject",
            "Bucket": "results",
            "Prefix": "runs/",
            "WriterConfig": config,
        }))
        .unwrap()
    }

    fn child(index: u32, status: Status) -> ChildResult {
        ChildResult {
            arn: format!("arn:aws:states:us-east-1:123456789012:execution:machine/Map:4f1c-{index}"),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:machine/Map".into(),
            name: format!("4f1c-{index}"),
            input_text: format!("{{\"n\":{index}}}"),
            start_millis: 1_700_000_000_000,
            stop_millis: Some(1_700_000_000_250),
            redrive_count: 0,
            status,
        }
    }

    fn children() -> Vec<ChildResult> {
        vec![
            child(2, Status::Succeeded { output: json!([3, 4]) }),
            child(0, Status::Succeeded { output: json!({"n": 0}) }),
            child(
                1,
                Status::Failed { failure: FailureRecord { error: Some("Boom".into()), cause: Some("item 1".into()) } },
            ),
        ]
    }

    fn body(objects: &[(String, Vec<u8>)], key: &str) -> Value {
        let (_, body) = objects.iter().find(|(name, _)| name == key).unwrap_or_else(|| panic!("no {key}"));
        serde_json::from_slice(body).unwrap()
    }

    #[test]
    fn none_writes_whole_records_and_a_manifest_that_lists_them() {
        let request = request(json!({}));
        let objects = result_files(&request, &children());
        let keys: Vec<&str> = objects.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(keys, ["runs/4f1c/FAILED_0.json", "runs/4f1c/SUCCEEDED_0.json", "runs/4f1c/manifest.json"]);
        let succeeded = body(&objects, "runs/4f1c/SUCCEEDED_0.json");
        assert_eq!(
            succeeded[0],
            json!({
                "ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:machine/Map:4f1c-0",
                "Input": "{\"n\":0}",
                "InputDetails": {"Included": true},
                "Name": "4f1c-0",
                "Output": "{\"n\":0}",
                "OutputDetails": {"Included": true},
                "RedriveCount": 0,
                "RedriveStatus": "NOT_REDRIVABLE",
                "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
                "StartDate": "2023-11-14T22:13:20.000Z",
                "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:machine/Map",
                "Status": "SUCCEEDED",
                "StopDate": "2023-11-14T22:13:20.250Z",
            })
        );
        assert_eq!(succeeded[1]["Output"], "[3,4]");
        let failed = body(&objects, "runs/4f1c/FAILED_0.json");
        assert_eq!(failed.as_array().map(Vec::len), Some(1));
        assert_eq!(failed[0]["Error"], "Boom");
        assert_eq!(failed[0]["Cause"], "item 1");
        assert_eq!(failed[0]["Status"], "FAILED");
        assert!(failed[0].get("Output").is_none());
        let manifest = body(&objects, "runs/4f1c/manifest.json");
        let failed_size = objects[0].1.len();
        let succeeded_size = objects[1].1.len();
        assert_eq!(
            manifest,
            json!({
                "DestinationBucket": "results",
                "MapRunArn": RUN,
                "ResultFiles": {
                    "FAILED": [{"Key": "runs/4f1c/FAILED_0.json", "Size": failed_size}],
                    "PENDING": [],
                    "SUCCEEDED": [{"Key": "runs/4f1c/SUCCEEDED_0.json", "Size": succeeded_size}],
                },
            })
        );
        assert_eq!(
            request.details(),
            json!({"MapRunArn": RUN, "ResultWriterDetails": {"Bucket": "results", "Key": "runs/4f1c/manifest.json"}})
        );
    }

    #[test]
    fn compact_and_flatten_write_outputs_and_jsonl_writes_lines() {
        let compact = result_files(&request(json!({"Transformation": "COMPACT"})), &children());
        assert_eq!(body(&compact, "runs/4f1c/SUCCEEDED_0.json"), json!([{"n": 0}, [3, 4]]));
        assert_eq!(body(&compact, "runs/4f1c/FAILED_0.json")[0]["Error"], "Boom");
        let flatten = result_files(&request(json!({"Transformation": "FLATTEN"})), &children());
        assert_eq!(body(&flatten, "runs/4f1c/SUCCEEDED_0.json"), json!([{"n": 0}, 3, 4]));
        let lines = result_files(&request(json!({"Transformation": "COMPACT", "OutputType": "JSONL"})), &children());
        let (_, succeeded) = lines.iter().find(|(key, _)| key.ends_with("SUCCEEDED_0.json")).unwrap();
        assert_eq!(String::from_utf8_lossy(succeeded), "{\"n\":0}\n[3,4]\n");
    }

    #[test]
    fn an_empty_prefix_and_bad_settings() {
        let mut request = request(json!({}));
        request.prefix = String::new();
        assert_eq!(request.manifest_key(), "4f1c/manifest.json");
        let bad = WriteRequest::from_arguments(&json!({
            "Resource": "arn:aws:states:::s3:putObject", "Bucket": "b", "WriterConfig": {"OutputType": "CSV"}
        }));
        assert_eq!(bad.unwrap_err().error.as_deref(), Some(RESULT_WRITER_FAILED));
        let no_bucket = WriteRequest::from_arguments(&json!({"Resource": "arn:aws:states:::s3:putObject"}));
        assert!(no_bucket.is_err());
    }
}
