//! A local folder standing in for S3, for Map states with an `ItemReader`: `BUCKET/KEY` is
//! the file `ROOT/BUCKET/KEY`. `s3:getObject` reads a JSON array, JSON Lines, CSV (with its
//! header row or given headers, and any of AWS's delimiters) or an S3 inventory manifest;
//! `s3:listObjectsV2` lists the objects under a prefix, in AWS's item shape (and key order). A Map's
//! `ResultWriter` writes its files here too ([`LocalS3::put_object`]).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use asl::eval::{failure::Failure, state::ItemRead};

use super::decide::ItemSource;

/// The folder that plays S3.
#[derive(Clone, Debug)]
pub struct LocalS3 {
    root: PathBuf,
}

fn reader_failed(cause: impl Into<String>) -> Failure {
    Failure::new("States.ItemReaderFailed", cause)
}

impl LocalS3 {
    /// S3 at `root`: one subfolder per bucket.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalS3 { root: root.into() }
    }

    /// The file behind `bucket`/`key`, refusing keys that would leave the bucket's folder.
    fn object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, Failure> {
        let unsafe_part = |part: &str| part.is_empty() || part == "." || part == "..";
        if unsafe_part(bucket) || bucket.contains('/') || key.split('/').any(unsafe_part) {
            return Err(reader_failed(format!("The bucket '{bucket}' and key '{key}' do not name a local object.")));
        }
        Ok(self.root.join(bucket).join(key))
    }

    /// Writes `body` as `bucket`/`key` (a Map's `ResultWriter`): to a temporary file beside
    /// it first, then renamed into place, so a reader never sees half an object.
    pub fn put_object(&self, bucket: &str, key: &str, body: &[u8]) -> Result<(), Failure> {
        let failed = |cause: String| Failure::new(super::results::RESULT_WRITER_FAILED, cause);
        let path = self.object_path(bucket, key).map_err(|failure| failed(failure.cause.unwrap_or_default()))?;
        let write = || -> std::io::Result<()> {
            let folder = path.parent().unwrap_or(&self.root);
            std::fs::create_dir_all(folder)?;
            let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("object");
            let temporary = folder.join(format!(".{name}.{:016x}.tmp", rand::random::<u64>()));
            std::fs::write(&temporary, body)?;
            std::fs::rename(&temporary, &path).inspect_err(|_| {
                let _ = std::fs::remove_file(&temporary);
            })
        };
        write().map_err(|error| {
            failed(format!("Cannot write s3://{bucket}/{key} (local file {}): {error}", path.display()))
        })
    }

    fn read_text(&self, bucket: &str, key: &str) -> Result<String, Failure> {
        let path = self.object_path(bucket, key)?;
        std::fs::read_to_string(&path).map_err(|error| {
            reader_failed(format!("Cannot read s3://{bucket}/{key} (local file {}): {error}", path.display()))
        })
    }
}

fn text_argument<'a>(arguments: &'a Value, name: &str) -> Result<&'a str, Failure> {
    arguments
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| reader_failed(format!("The ItemReader's parameters have no '{name}' string.")))
}

impl ItemSource for LocalS3 {
    fn read_items(&self, reader: &ItemRead) -> Result<Vec<Value>, Failure> {
        let bucket = text_argument(&reader.arguments, "Bucket")?;
        let mut items = match reader.resource.rsplit(':').next().unwrap_or_default() {
            "getObject" => {
                let key = text_argument(&reader.arguments, "Key")?;
                let input_type = reader.reader_config.get("InputType").and_then(Value::as_str).unwrap_or("JSON");
                match input_type {
                    "JSON" => parse_json_array(&self.read_text(bucket, key)?)?,
                    "JSONL" => parse_json_lines(&self.read_text(bucket, key)?)?,
                    "CSV" => parse_csv(&self.read_text(bucket, key)?, &reader.reader_config)?,
                    "MANIFEST" => self.manifest_items(bucket, key)?,
                    other => return Err(reader_failed(format!("The InputType '{other}' is not supported."))),
                }
            }
            "listObjectsV2" => {
                let prefix = reader.arguments.get("Prefix").and_then(Value::as_str).unwrap_or("");
                self.list_objects(bucket, prefix)?
            }
            other => return Err(reader_failed(format!("The ItemReader resource action '{other}' is not supported."))),
        };
        if let Some(limit) = reader.max_items.filter(|limit| *limit > 0) {
            items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(items)
    }
}

impl LocalS3 {
    /// The objects under `prefix`, sorted by key, as listObjectsV2 items.
    fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<Value>, Failure> {
        let bucket_root = self.object_path(bucket, "x")?.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut files = Vec::new();
        collect_files(&bucket_root, &bucket_root, &mut files)
            .map_err(|error| reader_failed(format!("Cannot list s3://{bucket}/{prefix}: {error}")))?;
        files.sort();
        Ok(files
            .into_iter()
            .filter(|(key, _)| key.starts_with(prefix))
            .map(|(key, size)| {
                json!({"Etag": format!("\"{:016x}\"", fingerprint(&key, size)), "LastModified": "1970-01-01T00:00:00Z", "Key": key, "Size": size, "StorageClass": "STANDARD"})
            })
            .collect())
    }

    /// An S3 inventory manifest: the CSV files it lists, read in order, each row an array of
    /// its fields (`fileSchema` names them when present).
    fn manifest_items(&self, bucket: &str, key: &str) -> Result<Vec<Value>, Failure> {
        let manifest: Value = serde_json::from_str(&self.read_text(bucket, key)?)
            .map_err(|error| reader_failed(format!("The manifest s3://{bucket}/{key} is not JSON: {error}")))?;
        let files = manifest.get("files").and_then(Value::as_array).cloned().unwrap_or_default();
        let columns: Vec<String> = manifest
            .get("fileSchema")
            .and_then(Value::as_str)
            .map(|schema| schema.split(',').map(|column| column.trim().to_string()).collect())
            .unwrap_or_default();
        let data_bucket = manifest
            .get("destinationBucket")
            .and_then(Value::as_str)
            .map_or(bucket, |arn| arn.rsplit(':').next().unwrap_or(bucket))
            .to_string();
        let mut items = Vec::new();
        for file in files {
            let Some(file_key) = file.get("key").and_then(Value::as_str) else { continue };
            let text = self.read_text(&data_bucket, file_key)?;
            for row in csv_rows(&text, ',')? {
                if columns.len() == row.len() {
                    let object: Map<String, Value> =
                        columns.iter().cloned().zip(row.into_iter().map(Value::String)).collect();
                    items.push(Value::Object(object));
                } else {
                    items.push(Value::Array(row.into_iter().map(Value::String).collect()));
                }
            }
        }
        Ok(items)
    }
}

fn collect_files(root: &Path, folder: &Path, files: &mut Vec<(String, u64)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(root, &path, files)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let key =
                relative.components().map(|part| part.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push((key, entry.metadata()?.len()));
        }
    }
    Ok(())
}

/// A stable stand-in for an ETag.
fn fingerprint(key: &str, size: u64) -> u64 {
    key.bytes().fold(size ^ 0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

fn parse_json_array(text: &str) -> Result<Vec<Value>, Failure> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(_) => Err(reader_failed("Attempting to map over non-iterable node.")),
        Err(error) => Err(reader_failed(format!("The object is not valid JSON: {error}"))),
    }
}

fn parse_json_lines(text: &str) -> Result<Vec<Value>, Failure> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .map_err(|error| reader_failed(format!("Line {} is not valid JSON: {error}", index + 1)))
        })
        .collect()
}

fn delimiter(config: &Value) -> Result<char, Failure> {
    Ok(match config.get("CSVDelimiter").and_then(Value::as_str).unwrap_or("COMMA") {
        "COMMA" => ',',
        "PIPE" => '|',
        "SEMICOLON" => ';',
        "SPACE" => ' ',
        "TAB" => '\t',
        other => return Err(reader_failed(format!("The CSVDelimiter '{other}' is not supported."))),
    })
}

/// CSV rows as objects keyed by the header (the first row, or `CSVHeaders`), values as text.
fn parse_csv(text: &str, config: &Value) -> Result<Vec<Value>, Failure> {
    let mut rows = csv_rows(text, delimiter(config)?)?.into_iter();
    let headers: Vec<String> = match config.get("CSVHeaderLocation").and_then(Value::as_str).unwrap_or("FIRST_ROW") {
        "GIVEN" => config
            .get("CSVHeaders")
            .and_then(Value::as_array)
            .map(|headers| headers.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .ok_or_else(|| reader_failed("CSVHeaderLocation GIVEN needs CSVHeaders."))?,
        _ => rows.next().unwrap_or_default(),
    };
    Ok(rows
        .map(|row| {
            let object: Map<String, Value> = headers
                .iter()
                .enumerate()
                .map(|(index, header)| (header.clone(), Value::String(row.get(index).cloned().unwrap_or_default())))
                .collect();
            Value::Object(object)
        })
        .collect())
}

/// RFC 4180 rows: quoted fields may hold delimiters, newlines and doubled quotes.
fn csv_rows(text: &str, delimiter: char) -> Result<Vec<Vec<String>>, Failure> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut characters = text.chars().peekable();
    let mut row_started = false;
    while let Some(character) = characters.next() {
        row_started = true;
        if quoted {
            match character {
                '"' if characters.peek() == Some(&'"') => {
                    field.push('"');
                    characters.next();
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match character {
            '"' if field.is_empty() => quoted = true,
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                row_started = false;
            }
            other if other == delimiter => row.push(std::mem::take(&mut field)),
            other => field.push(other),
        }
    }
    if quoted {
        return Err(reader_failed("The CSV object ends inside a quoted field."));
    }
    if row_started {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(resource: &str, arguments: Value, reader_config: Value, max_items: Option<u64>) -> ItemRead {
        ItemRead { resource: resource.into(), arguments, reader_config, max_items }
    }

    #[test]
    fn reads_every_input_type_from_the_folder() {
        let folder = tempfile::tempdir().unwrap();
        let bucket = folder.path().join("orders");
        std::fs::create_dir_all(bucket.join("in")).unwrap();
        std::fs::write(bucket.join("in/items.json"), r#"[{"id": 1}, {"id": 2}, {"id": 3}]"#).unwrap();
        std::fs::write(bucket.join("in/items.jsonl"), "{\"id\": 1}\n\n{\"id\": 2}\n").unwrap();
        std::fs::write(bucket.join("in/items.csv"), "id,name\n1,\"Smith, Jo\"\n2,\"say \"\"hi\"\"\"\n").unwrap();
        std::fs::write(bucket.join("in/piped.csv"), "1|a\n2|b").unwrap();
        let s3 = LocalS3::new(folder.path());
        let get = "arn:aws:states:::s3:getObject";

        let json_items = s3
            .read_items(&reader(get, json!({"Bucket": "orders", "Key": "in/items.json"}), json!({}), Some(2)))
            .unwrap();
        assert_eq!(json_items, vec![json!({"id": 1}), json!({"id": 2})]);
        let lines = s3
            .read_items(&reader(
                get,
                json!({"Bucket": "orders", "Key": "in/items.jsonl"}),
                json!({"InputType": "JSONL"}),
                None,
            ))
            .unwrap();
        assert_eq!(lines.len(), 2);
        let csv = s3
            .read_items(&reader(
                get,
                json!({"Bucket": "orders", "Key": "in/items.csv"}),
                json!({"InputType": "CSV"}),
                None,
            ))
            .unwrap();
        assert_eq!(csv, vec![json!({"id": "1", "name": "Smith, Jo"}), json!({"id": "2", "name": "say \"hi\""})]);
        let piped = s3
            .read_items(&reader(
                get,
                json!({"Bucket": "orders", "Key": "in/piped.csv"}),
                json!({"InputType": "CSV", "CSVDelimiter": "PIPE", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["n", "letter"]}),
                None,
            ))
            .unwrap();
        assert_eq!(piped, vec![json!({"n": "1", "letter": "a"}), json!({"n": "2", "letter": "b"})]);
        let listed = s3
            .read_items(&reader(
                "arn:aws:states:::s3:listObjectsV2",
                json!({"Bucket": "orders", "Prefix": "in/items"}),
                json!({}),
                None,
            ))
            .unwrap();
        let keys: Vec<&str> = listed.iter().filter_map(|item| item["Key"].as_str()).collect();
        assert_eq!(keys, ["in/items.csv", "in/items.json", "in/items.jsonl"]);
    }

    #[test]
    fn refuses_what_it_cannot_read_with_a_clear_cause() {
        let folder = tempfile::tempdir().unwrap();
        let s3 = LocalS3::new(folder.path());
        let get = "arn:aws:states:::s3:getObject";
        let missing =
            s3.read_items(&reader(get, json!({"Bucket": "b", "Key": "nope.json"}), json!({}), None)).unwrap_err();
        assert_eq!(missing.error.as_deref(), Some("States.ItemReaderFailed"));
        assert!(missing.cause.unwrap().contains("s3://b/nope.json"));
        let escape = s3.read_items(&reader(get, json!({"Bucket": "b", "Key": "../../etc/passwd"}), json!({}), None));
        assert!(escape.is_err(), "keys cannot leave the bucket's folder");
    }
}
