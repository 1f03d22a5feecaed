//! Printing an edited tree with the least change to its source text, so an edit in the
//! designer changes only the lines it touched, whatever the file's layout.
//!
//! [`reprint`] walks the edited tree beside the tree the old text was read into. A value equal
//! to its old counterpart is copied from the old text byte for byte (inline arrays, odd spacing,
//! CRLF line ends and all). An object or array whose members changed keeps its own brackets,
//! the whitespace between its members and the spelling of its keys; only members that are new
//! or changed are printed, in the layout of their neighbours. Members are paired by key (first
//! unused member of that name), then a member with a new key is paired with an unpaired old
//! member of equal value (a renamed key). Array elements are paired by position when the length
//! is unchanged, otherwise by equal value in order.

use crate::{
    SourceFormat,
    json::{self, Member, Node, Value},
};

/// Prints an edited definition in its text's format, changing as little of `old_text` as
/// possible. JSON goes through [`reprint`] and is read back; should that ever not give `new`,
/// the whole tree is printed in the text's indentation instead. YAML goes through
/// [`crate::yaml::reprint_yaml`], which does the same check itself. For JSON printed by
/// [`reprint`], the tree read back comes too (`new` with its places in the new text), so the
/// caller need not read the text again.
pub fn reprint_in_format(new: &Node, old: &Node, old_text: &str, format: SourceFormat) -> (String, Option<Node>) {
    match format {
        SourceFormat::Json => {
            let text = reprint(new, old, old_text);
            match json::parse(&text) {
                Ok(reread) if reread.same_value(new) => (text, Some(reread)),
                _ => {
                    let mut text = json::print(new, &json::detect_indent(old_text));
                    if old_text.ends_with('\n') {
                        text.push('\n');
                    }
                    (text, None)
                }
            }
        }
        SourceFormat::Yaml => (crate::yaml::reprint_yaml(new, old, old_text), None),
    }
}

/// Prints `new` (an edited copy of `old`) by changing as little of `old_text` as possible.
/// `old` must be the tree read from `old_text` (its spans point into it).
pub fn reprint(new: &Node, old: &Node, old_text: &str) -> String {
    let multiline = old_text.trim_end().contains('\n');
    let style = Style {
        unit: if multiline { json::detect_indent(old_text) } else { String::new() },
        newline: if old_text.contains("\r\n") { "\r\n" } else { "\n" },
    };
    let mut out = String::with_capacity(old_text.len() + 64);
    out.push_str(&old_text[..old.span.start.min(old_text.len())]);
    let indent = line_indent(old_text, old.span.start);
    emit(&mut out, new, Some(old), old_text, &style, &indent);
    out.push_str(&old_text[old.span.end.min(old_text.len())..]);
    out
}

struct Style {
    unit: String,
    newline: &'static str,
}

/// The leading whitespace of the line holding `offset`.
fn line_indent(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    text[start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect()
}

/// What follows the last line break of a separator: the indentation of the next line.
fn indent_after(separator: &str) -> Option<&str> {
    separator.rfind('\n').map(|at| &separator[at + 1..])
}

fn emit(out: &mut String, new: &Node, old: Option<&Node>, text: &str, style: &Style, indent: &str) {
    if let Some(old) = old
        && new.same_value(old)
        && old.span.end <= text.len()
        && old.span.start < old.span.end
    {
        out.push_str(&text[old.span.start..old.span.end]);
        return;
    }
    match (&new.value, old.map(|old| (&old.value, old))) {
        (Value::Object(members), Some((Value::Object(old_members), old))) if !old_members.is_empty() => {
            emit_object(out, members, old_members, old, text, style);
        }
        (Value::Array(elements), Some((Value::Array(old_elements), old))) if !old_elements.is_empty() => {
            emit_array(out, elements, old_elements, old, text, style);
        }
        _ => fresh(out, new, style, indent),
    }
}

/// Prints a value that has no counterpart, starting at a line indented by `indent`.
fn fresh(out: &mut String, node: &Node, style: &Style, indent: &str) {
    let printed = json::print(node, &style.unit);
    let mut first = true;
    for line in printed.split('\n') {
        if !first {
            out.push_str(style.newline);
            out.push_str(indent);
        }
        out.push_str(line);
        first = false;
    }
}

/// The separators of an old container's items: before item `k` (from the previous item's end,
/// or the opening bracket, to the item's start), and the tail before the closing bracket.
struct Separators<'t> {
    before: Vec<&'t str>,
    tail: &'t str,
}

impl<'t> Separators<'t> {
    fn new(text: &'t str, open: usize, starts: &[usize], ends: &[usize], close: usize) -> Self {
        let before = (0..starts.len())
            .map(|k| {
                let from = if k == 0 { open + 1 } else { ends[k - 1] };
                text.get(from..starts[k]).unwrap_or("")
            })
            .collect();
        let tail = text.get(ends.last().copied().unwrap_or(open + 1)..close).unwrap_or("");
        Separators { before, tail }
    }

    /// The whitespace before item `k` without its comma.
    fn whitespace(&self, k: usize) -> &'t str {
        let separator = self.before.get(k).copied().unwrap_or("");
        if k == 0 { separator } else { separator.split_once(',').map_or(separator, |(_, after)| after) }
    }

    /// What to write before new item `j`, paired with old item `k`, the previous new item
    /// having been paired with `previous`.
    fn before(&self, j: usize, k: Option<usize>, previous: Option<Option<usize>>) -> String {
        if let Some(k) = k
            && (j == 0 && k == 0 || j > 0 && k > 0 && previous == Some(Some(k - 1)))
        {
            return self.before[k].to_string();
        }
        let whitespace = self.whitespace(k.unwrap_or(if self.before.len() > 1 { 1 } else { 0 }));
        if j == 0 { whitespace.to_string() } else { format!(",{whitespace}") }
    }

    fn item_indent(&self, k: Option<usize>) -> String {
        let whitespace = self.whitespace(k.unwrap_or(0));
        indent_after(whitespace).unwrap_or("").to_string()
    }
}

/// Pairs each new member with an old one: by key (the first unused old member of that name),
/// then a new key with an unused old member of equal value (a renamed key). Returns the pairs
/// and which old members were used. The YAML reprinter pairs mapping entries the same way.
pub(crate) fn pair_members(members: &[Member], old_members: &[Member]) -> (Vec<Option<usize>>, Vec<bool>) {
    let mut used = vec![false; old_members.len()];
    let mut pairs: Vec<Option<usize>> = members
        .iter()
        .map(|member| {
            let k = (0..old_members.len()).find(|&k| !used[k] && old_members[k].key == member.key)?;
            used[k] = true;
            Some(k)
        })
        .collect();
    for (j, member) in members.iter().enumerate() {
        if pairs[j].is_none()
            && let Some(k) =
                (0..old_members.len()).find(|&k| !used[k] && old_members[k].value.same_value(&member.value))
        {
            used[k] = true;
            pairs[j] = Some(k);
        }
    }
    (pairs, used)
}

fn emit_object(out: &mut String, members: &[Member], old_members: &[Member], old: &Node, text: &str, style: &Style) {
    let (pairs, _) = pair_members(members, old_members);
    let starts: Vec<usize> = old_members.iter().map(|member| member.key_span.start).collect();
    let ends: Vec<usize> = old_members.iter().map(|member| member.value.span.end).collect();
    let separators = Separators::new(text, old.span.start, &starts, &ends, old.span.end.saturating_sub(1));
    out.push('{');
    let mut previous = None;
    for (j, member) in members.iter().enumerate() {
        let k = pairs[j];
        out.push_str(&separators.before(j, k, previous));
        let old_member = k.map(|k| &old_members[k]);
        match old_member {
            Some(old_member) if old_member.key == member.key => {
                out.push_str(text.get(old_member.key_span.start..old_member.key_span.end).unwrap_or(""));
            }
            _ => json::write_string(out, &member.key),
        }
        let colon = old_member
            .or(old_members.first())
            .and_then(|old_member| text.get(old_member.key_span.end..old_member.value.span.start))
            .unwrap_or(": ");
        out.push_str(colon);
        let indent = separators.item_indent(k);
        emit(out, &member.value, old_member.map(|old_member| &old_member.value), text, style, &indent);
        previous = Some(k);
    }
    if members.is_empty() {
        // Everything was removed: keep no inner whitespace.
    } else {
        out.push_str(separators.tail);
    }
    out.push('}');
}

/// Pairs each new array element with an old one: by position when the length is unchanged,
/// otherwise by equal value in order. The YAML reprinter pairs sequence items the same way.
pub(crate) fn pair_elements(elements: &[Node], old_elements: &[Node]) -> Vec<Option<usize>> {
    if elements.len() == old_elements.len() {
        return (0..elements.len()).map(Some).collect();
    }
    let mut next = 0;
    elements
        .iter()
        .map(|element| {
            let k = (next..old_elements.len()).find(|&k| old_elements[k].same_value(element))?;
            next = k + 1;
            Some(k)
        })
        .collect()
}

fn emit_array(out: &mut String, elements: &[Node], old_elements: &[Node], old: &Node, text: &str, style: &Style) {
    let pairs = pair_elements(elements, old_elements);
    let starts: Vec<usize> = old_elements.iter().map(|element| element.span.start).collect();
    let ends: Vec<usize> = old_elements.iter().map(|element| element.span.end).collect();
    let separators = Separators::new(text, old.span.start, &starts, &ends, old.span.end.saturating_sub(1));
    out.push('[');
    let mut previous = None;
    for (j, element) in elements.iter().enumerate() {
        let k = pairs[j];
        out.push_str(&separators.before(j, k, previous));
        let indent = separators.item_indent(k);
        emit(out, element, k.map(|k| &old_elements[k]), text, style, &indent);
        previous = Some(k);
    }
    if !elements.is_empty() {
        out.push_str(separators.tail);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{self, Edit};

    fn edited(text: &str, edit: &Edit) -> String {
        let old = json::parse(text).expect("JSON");
        let mut new = old.clone();
        edit::apply(&mut new, edit).expect("edit applies");
        let printed = reprint(&new, &old, text);
        assert!(json::parse(&printed).expect("reprinted JSON parses").same_value(&new), "{printed}");
        printed
    }

    const ODD: &str = "{\r\n  \"StartAt\" : \"A\",\r\n  \"States\": {\r\n    \"A\": { \"Type\": \"Pass\", \"Next\": \"B\" },\r\n    \"B\": {\r\n      \"Type\": \"Task\",\r\n      \"Resource\": \"arn:aws:states:::lambda:invoke\",\r\n      \"Retry\": [ { \"ErrorEquals\": [ \"States.ALL\" ] } ],\r\n      \"End\": true\r\n    }\r\n  }\r\n}\r\n";

    #[test]
    fn a_rename_changes_only_the_lines_that_name_the_state() {
        let printed = edited(ODD, &Edit::RenameState { scope: String::new(), from: "B".into(), to: "Done".into() });
        let changed: Vec<(&str, &str)> = ODD.split("\r\n").zip(printed.split("\r\n")).filter(|(a, b)| a != b).collect();
        assert_eq!(
            changed,
            vec![
                (
                    "    \"A\": { \"Type\": \"Pass\", \"Next\": \"B\" },",
                    "    \"A\": { \"Type\": \"Pass\", \"Next\": \"Done\" },"
                ),
                ("    \"B\": {", "    \"Done\": {"),
            ]
        );
        assert_eq!(ODD.split("\r\n").count(), printed.split("\r\n").count());
    }

    #[test]
    fn added_and_removed_members_take_their_neighbours_layout() {
        let added =
            edited(ODD, &Edit::SetField { pointer: "/States/B/TimeoutSeconds".into(), value: serde_json::json!(30) });
        assert!(added.contains("      \"End\": true,\r\n      \"TimeoutSeconds\": 30\r\n    }"), "{added}");
        let removed = edited(ODD, &Edit::RemoveField { pointer: "/States/B/Retry".into() });
        assert_eq!(removed, ODD.replace("      \"Retry\": [ { \"ErrorEquals\": [ \"States.ALL\" ] } ],\r\n", ""));
        let nested = edited(
            ODD,
            &Edit::AddState { scope: String::new(), name: "C".into(), state: serde_json::json!({"Type": "Succeed"}) },
        );
        assert!(
            nested.contains("    },\r\n    \"C\": {\r\n      \"Type\": \"Succeed\"\r\n    }\r\n  }\r\n}"),
            "{nested}"
        );
        let first = edited(ODD, &Edit::RemoveState { scope: String::new(), name: "A".into() });
        assert!(first.contains("\"States\": {\r\n    \"B\": {"), "{first}");
    }

    #[test]
    fn minified_text_stays_on_one_line() {
        let text = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#;
        let printed = edited(text, &Edit::SetField { pointer: "/Comment".into(), value: serde_json::json!("x") });
        assert_eq!(printed, r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}},"Comment":"x"}"#);
    }
}
