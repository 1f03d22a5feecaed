//! A definition as read from a file: its text, its JSON tree, and how to map findings back
//! to lines and columns. Reading never fails: broken text gives a document with no tree and
//! a diagnostic that says where it broke.

use std::borrow::Cow;

use crate::{
    Diagnostic, LineIndex,
    json::{self, Member, Node, Span, Value},
};

/// The syntax a definition was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// `.asl.json` (and anything else that is not YAML).
    Json,
    /// `.asl.yaml` / `.asl.yml`.
    Yaml,
}

impl SourceFormat {
    /// Chooses the format from a file name: `.yaml` and `.yml` are YAML, everything else JSON.
    pub fn from_file_name(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") { SourceFormat::Yaml } else { SourceFormat::Json }
    }
}

/// A definition's source text and the tree read from it.
#[derive(Clone, Debug)]
pub struct Document {
    text: String,
    format: SourceFormat,
    root: Option<Node>,
    /// Built on first use: most documents are read without any position being asked for.
    line_index: std::sync::OnceLock<LineIndex>,
    indent: String,
    trailing_newline: bool,
}

impl Document {
    /// Reads `text` in `format`. The diagnostics are the syntax errors (at most one); the
    /// document then has no tree.
    pub fn read(text: &str, format: SourceFormat) -> (Document, Vec<Diagnostic>) {
        let line_index = std::sync::OnceLock::new();
        let (root, error) = match format {
            SourceFormat::Json => match json::parse(text) {
                Ok(root) => (Some(root), None),
                Err(error) => (None, Some((error.offset, error.message))),
            },
            SourceFormat::Yaml => match read_yaml(text) {
                Ok(root) => (Some(root), None),
                Err((offset, message)) => (None, Some((offset, message))),
            },
        };
        let document = Document {
            text: text.to_string(),
            format,
            root,
            line_index,
            indent: json::detect_indent(text),
            trailing_newline: text.ends_with('\n'),
        };
        let diagnostics = match error {
            None => Vec::new(),
            Some((offset, message)) => {
                let what = match format {
                    SourceFormat::Json => "not valid JSON",
                    SourceFormat::Yaml => "not valid YAML",
                };
                let mut diagnostic =
                    Diagnostic::error("INVALID_JSON_DESCRIPTION", "", format!("the definition is {what}: {message}"))
                        .with_location(None);
                diagnostic.span = Span::new(offset, offset);
                let (line, column) = document.line_column(offset);
                diagnostic.line = line;
                diagnostic.column = column;
                vec![diagnostic]
            }
        };
        (document, diagnostics)
    }

    /// Wraps a tree built in memory (no source text).
    pub fn from_root(root: Node) -> Document {
        let text = json::print(&root, "  ");
        Document {
            line_index: std::sync::OnceLock::new(),
            text,
            format: SourceFormat::Json,
            root: Some(root),
            indent: "  ".to_string(),
            trailing_newline: true,
        }
    }

    /// The source text as read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The syntax it was read in.
    pub fn format(&self) -> SourceFormat {
        self.format
    }

    /// The tree, when the text was readable.
    pub fn root(&self) -> Option<&Node> {
        self.root.as_ref()
    }

    /// The tree, mutably (for edits).
    pub fn root_mut(&mut self) -> Option<&mut Node> {
        self.root.as_mut()
    }

    /// Fills in each diagnostic's span, line and column from its pointer.
    pub fn locate(&self, diagnostics: &mut [Diagnostic]) {
        let Some(root) = &self.root else { return };
        for diagnostic in diagnostics {
            if diagnostic.line != 0 {
                continue;
            }
            let span = if diagnostic.at_key {
                resolve_key_span(root, &diagnostic.pointer)
            } else {
                resolve_span(root, &diagnostic.pointer)
            };
            diagnostic.span = span;
            let (line, column) = self.line_column(span.start);
            diagnostic.line = line;
            diagnostic.column = column;
        }
    }

    /// The 1-based line and column of a byte offset in the source text.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        self.line_index.get_or_init(|| LineIndex::new(&self.text)).line_column(&self.text, offset)
    }

    /// Prints the tree as JSON in the source's own indentation (so an unedited document in
    /// that layout comes back byte for byte), or `None` when there is no tree.
    pub fn to_json(&self) -> Option<String> {
        let root = self.root.as_ref()?;
        let mut out = json::print(root, &self.indent);
        if self.trailing_newline || self.format == SourceFormat::Yaml {
            out.push('\n');
        }
        Some(out)
    }

    /// Prints the tree in the canonical layout, `JSON.stringify(definition, null, 2)` plus a newline.
    pub fn to_canonical_json(&self) -> Option<String> {
        let root = self.root.as_ref()?;
        let mut out = json::print(root, "  ");
        out.push('\n');
        Some(out)
    }

    /// Prints the tree as block-style YAML ([`crate::yaml::print_yaml`]), or `None` when
    /// there is no tree. Reading the result as YAML gives the same tree.
    pub fn to_yaml(&self) -> Option<String> {
        self.root.as_ref().map(crate::yaml::print_yaml)
    }
}

/// The span of the value a JSON pointer names; where the pointer goes past what exists,
/// the span of the deepest value that does.
pub fn resolve_span(root: &Node, pointer: &str) -> Span {
    resolve(root, pointer).map(|(node, key_span)| key_span.unwrap_or(node.span)).unwrap_or(root.span)
}

/// The span of the key of the member a JSON pointer names; for a pointer that names no object
/// member (an array element, the root, something missing), [`resolve_span`].
pub fn resolve_key_span(root: &Node, pointer: &str) -> Span {
    let mut node = root;
    let mut key_span = None;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let next = match &node.value {
            Value::Object(members) => members.iter().find(|member| member.key == token).map(|member| {
                key_span = Some(member.key_span);
                &member.value
            }),
            Value::Array(elements) => {
                key_span = None;
                token.parse::<usize>().ok().and_then(|index| elements.get(index))
            }
            _ => None,
        };
        let Some(next) = next else { return resolve_span(root, pointer) };
        node = next;
    }
    key_span.filter(|span| span.end > span.start).unwrap_or_else(|| resolve_span(root, pointer))
}

/// Where the state `name` is written (its key through the end of its object), found in the
/// top-level `States` and in every Parallel branch and Map processor, depth first in document
/// order; `None` when no state has that name.
pub fn state_span(root: &Node, name: &str) -> Option<Span> {
    let states = root.get("States")?.members()?;
    states.iter().find_map(|member| {
        if member.key == name {
            return Some(Span { start: member.key_span.start, end: member.value.span.end });
        }
        let state = &member.value;
        let branches = state.get("Branches").and_then(|branches| match &branches.value {
            Value::Array(branches) => Some(branches.as_slice()),
            _ => None,
        });
        let processors = ["ItemProcessor", "Iterator"].into_iter().filter_map(|field| state.get(field));
        branches.into_iter().flatten().chain(processors).find_map(|scope| state_span(scope, name))
    })
}

/// Finds the node a JSON pointer names, or the deepest existing ancestor; with the key span
/// of the last member crossed when the pointer ended on it.
fn resolve<'a>(root: &'a Node, pointer: &str) -> Option<(&'a Node, Option<Span>)> {
    let mut node = root;
    let mut key_span = None;
    if pointer.is_empty() {
        return Some((node, None));
    }
    for token in pointer.split('/').skip(1) {
        let token: Cow<str> = if token.contains('~') {
            Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(token)
        };
        let next = match &node.value {
            Value::Object(members) => members.iter().find(|member| member.key == token).map(|member| {
                key_span = Some(member.key_span);
                &member.value
            }),
            Value::Array(elements) => token.parse::<usize>().ok().and_then(|index| elements.get(index)),
            _ => None,
        };
        match next {
            Some(next) => {
                if !matches!(node.value, Value::Object(_)) {
                    key_span = None;
                }
                node = next;
            }
            None => break,
        }
    }
    // Point at the member's key when the value is a container: the key is where people look.
    let span = match &node.value {
        Value::Object(_) | Value::Array(_) => key_span.filter(|span| span.end > span.start),
        _ => None,
    };
    Some((node, span))
}

/// Reads YAML into the same tree as JSON. Mapping keys must be scalars; anchors and aliases
/// are resolved by copying.
fn read_yaml(text: &str) -> Result<Node, (usize, String)> {
    use saphyr_parser::{Event, Parser, ScalarStyle};

    // The parser reports character indexes; spans are byte offsets.
    let byte_offsets: Vec<usize> = text.char_indices().map(|(offset, _)| offset).chain([text.len()]).collect();
    let to_byte = |index: usize| byte_offsets.get(index).copied().unwrap_or(text.len());

    enum Frame {
        Sequence { start: usize, elements: Vec<Node>, anchor: usize },
        Mapping { start: usize, members: Vec<Member>, pending_key: Option<(String, Span)>, anchor: usize },
    }

    let mut anchors: Vec<(usize, Node)> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut result: Option<Node> = None;

    let place = |stack: &mut Vec<Frame>, node: Node, result: &mut Option<Node>| -> Result<(), (usize, String)> {
        match stack.last_mut() {
            None => {
                if result.is_none() {
                    *result = Some(node);
                }
                Ok(())
            }
            Some(Frame::Sequence { elements, .. }) => {
                elements.push(node);
                Ok(())
            }
            Some(Frame::Mapping { members, pending_key, .. }) => match pending_key.take() {
                Some((key, key_span)) => {
                    members.push(Member { key, key_span, value: node });
                    Ok(())
                }
                None => match node.value {
                    Value::String(key) => {
                        *pending_key = Some((key, node.span));
                        Ok(())
                    }
                    Value::Number(key) => {
                        *pending_key = Some((key, node.span));
                        Ok(())
                    }
                    Value::Bool(key) => {
                        *pending_key = Some((key.to_string(), node.span));
                        Ok(())
                    }
                    Value::Null => {
                        *pending_key = Some(("null".to_string(), node.span));
                        Ok(())
                    }
                    _ => Err((node.span.start, "mapping keys must be plain values, not lists or mappings".to_string())),
                },
            },
        }
    };

    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|error| (to_byte(error.marker().index()), error.info().to_string()))?;
        let start = to_byte(span.start.index());
        let end = to_byte(span.end.index());
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let value =
                    scalar_value(&value, style == ScalarStyle::Plain, tag.as_ref().map(|tag| tag.suffix.as_str()));
                let node = Node { value, span: Span::new(start, end.max(start)) };
                if anchor > 0 {
                    anchors.push((anchor, node.clone()));
                }
                place(&mut stack, node, &mut result)?;
            }
            Event::Alias(anchor) => {
                let node = anchors
                    .iter()
                    .rev()
                    .find(|(id, _)| *id == anchor)
                    .map(|(_, node)| node.clone())
                    .ok_or((start, "an alias refers to an anchor that is not defined".to_string()))?;
                place(&mut stack, node, &mut result)?;
            }
            Event::SequenceStart(anchor, _) => stack.push(Frame::Sequence { start, elements: Vec::new(), anchor }),
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Mapping { start, members: Vec::new(), pending_key: None, anchor })
            }
            Event::SequenceEnd => {
                if let Some(Frame::Sequence { start, elements, anchor }) = stack.pop() {
                    let node = Node { value: Value::Array(elements), span: Span::new(start, end.max(start)) };
                    if anchor > 0 {
                        anchors.push((anchor, node.clone()));
                    }
                    place(&mut stack, node, &mut result)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping { start, members, anchor, .. }) = stack.pop() {
                    let node = Node { value: Value::Object(members), span: Span::new(start, end.max(start)) };
                    if anchor > 0 {
                        anchors.push((anchor, node.clone()));
                    }
                    place(&mut stack, node, &mut result)?;
                }
            }
            Event::DocumentEnd => {
                if result.is_some() {
                    break;
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) => {}
        }
    }
    result.ok_or((0, "the file holds no YAML document".to_string()))
}

/// YAML 1.2 core schema resolution of a scalar: plain `null`/`true`/`false`/numbers, else a string.
fn scalar_value(text: &str, plain: bool, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::String(text.to_string()),
        Some("int" | "float") if is_yaml_number(text) => return Value::Number(text.to_string()),
        _ => {}
    }
    if !plain {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if is_yaml_number(text) => Value::Number(normalise_yaml_number(text)),
        _ => Value::String(text.to_string()),
    }
}

fn is_yaml_number(text: &str) -> bool {
    json::parse(text).map(|node| matches!(node.value, Value::Number(_))).unwrap_or(false)
        || (text.starts_with('+') && is_yaml_number(&text[1..]))
}

fn normalise_yaml_number(text: &str) -> String {
    text.strip_prefix('+').unwrap_or(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yaml_into_the_same_tree_as_json() {
        let yaml = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Result: {n: 1.50, ok: true, none: null, s: '1'}\n    End: true\n";
        let json = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"n":1.50,"ok":true,"none":null,"s":"1"},"End":true}}}"#;
        let (from_yaml, diagnostics) = Document::read(yaml, SourceFormat::Yaml);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let (from_json, _) = Document::read(json, SourceFormat::Json);
        assert!(from_yaml.root().expect("tree").same_value(from_json.root().expect("tree")));
    }

    #[test]
    fn broken_json_is_reported_at_its_line_and_column() {
        let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\" \"End\": true}\n  }\n}\n";
        let (document, diagnostics) = Document::read(text, SourceFormat::Json);
        assert!(document.root().is_none());
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, "INVALID_JSON_DESCRIPTION");
        assert_eq!((diagnostics[0].line, diagnostics[0].column), (4, 26), "{:?}", diagnostics[0]);
    }

    #[test]
    fn states_are_found_in_branches_and_processors() {
        for format in [SourceFormat::Json, SourceFormat::Yaml] {
            let text = match format {
                SourceFormat::Json => {
                    r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Next": "M", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}]}, "M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}}}}"#
                }
                SourceFormat::Yaml => {
                    "StartAt: P\nStates:\n  P:\n    Type: Parallel\n    Next: M\n    Branches:\n      - StartAt: A\n        States:\n          A:\n            Type: Pass\n            End: true\n  M:\n    Type: Map\n    End: true\n    ItemProcessor:\n      StartAt: B\n      States:\n        B: {Type: Pass, End: true}\n"
                }
            };
            let (document, _) = Document::read(text, format);
            let root = document.root().expect("tree");
            let written = |name: &str| state_span(root, name).map(|span| &text[span.start..span.end]);
            assert!(
                written("A").is_some_and(|a| a.starts_with('A') || a.starts_with("\"A\"")),
                "{format:?}: {:?}",
                written("A")
            );
            assert!(written("A").is_some_and(|a| a.contains("Pass") && !a.contains("Branches")), "{:?}", written("A"));
            assert!(written("B").is_some_and(|b| b.contains("Pass") && b.ends_with(['}', 'e'])), "{:?}", written("B"));
            assert!(
                written("P")
                    .is_some_and(|p| p.contains("Branches") && !p.contains("Type: Map") && !p.contains("\"Map\"")),
                "{:?}",
                written("P")
            );
            assert_eq!(written("Z"), None);
        }
    }

    #[test]
    fn pointers_resolve_to_lines() {
        let text = "{\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Pass\",\n      \"Next\": \"B\"\n    }\n  }\n}";
        let (document, _) = Document::read(text, SourceFormat::Json);
        let mut found = vec![
            Diagnostic::error("X", "/States/A/Next", "m"),
            Diagnostic::error("X", "/States/A", "m"),
            Diagnostic::error("X", "/States/A/Missing", "m"),
        ];
        document.locate(&mut found);
        let positions: Vec<_> = found.iter().map(|diagnostic| (diagnostic.line, diagnostic.column)).collect();
        assert_eq!(positions, [(5, 15), (3, 5), (3, 5)]);
    }

    #[test]
    fn unedited_documents_print_back_in_their_own_layout() {
        let text = "{\n    \"StartAt\": \"A\",\n    \"States\": {}\n}\n";
        let (document, _) = Document::read(text, SourceFormat::Json);
        assert_eq!(document.to_json().as_deref(), Some(text));
        assert_eq!(document.to_canonical_json().as_deref(), Some("{\n  \"StartAt\": \"A\",\n  \"States\": {}\n}\n"));
    }
}
