//! The Amazon States Language: everything that is a function of a definition and some JSON.
//!
//! This crate is pure. It does no IO and has no async code, so the same implementation runs
//! natively in the engine and compiled to `wasm32-unknown-unknown` in the designer.
//!
//! - [`json`]: the lossless JSON tree every definition is read into, and its printer.
//! - [`document`]: a definition read from JSON or YAML text, never failing, with positions.
//! - [`edit`]: edits of a definition that change only what they touch, each with its exact inverse.
//! - [`diagnostic`]: findings with AWS's codes, JSON pointers and line/column positions.
//! - [`path`]: JSONPath and reference-path syntax as Step Functions accepts it.
//! - [`intrinsic`]: intrinsic functions (`States.Format(…)`): syntax, arity and argument rules.
//! - [`jsonata`]: the JSONata expression language: parser (and, later, evaluator).
//! - [`validate`]: what AWS would refuse, with AWS's codes, messages and locations.
//! - [`lint`]: warnings about definitions AWS accepts but that are likely mistakes.
//! - [`fix`]: applying the findings' quick fixes in bulk.
//! - [`suggest`]: the known word a misspelt one stands for, behind the validator's quick fixes.
//! - [`eval`]: evaluation (data flow, intrinsics, Choice rules, JSONata, variables, TestState).
//! - [`graph`]: states, labelled transitions and nested groups, for drawing.
//! - [`layout`]: a deterministic layered layout for graphs with nested groups.
//! - [`reprint`]: prints an edited tree changing only what the edit touched in the source text.
//! - [`yaml`]: prints a tree as block-style YAML that reads back as the same tree.
//! - [`sort`]: stable sorting through one instantiation of the standard sort (for the bundle's size).
//! - [`templates`]: starter definitions and the designer's palette of states.

pub mod cost;
pub mod diagnostic;
pub mod document;
pub mod edit;
pub mod eval;
pub mod fix;
pub mod graph;
pub mod intrinsic;
pub mod json;
pub mod jsonata;
pub mod layout;
pub mod lint;
pub mod path;
mod regex_engine;
pub mod reprint;
pub mod sort;
pub mod suggest;
pub mod templates;
pub mod validate;
pub mod yaml;

#[cfg(test)]
mod test_support;

pub use diagnostic::{Diagnostic, Fix, FixEdit, LineIndex, Severity};
pub use document::{Document, SourceFormat};

/// Reads a definition (JSON, or YAML when the text does not start with `{`) and validates
/// it. Never fails: the diagnostics say what is wrong, with lines and columns.
pub fn parse(text: &str) -> (Document, Vec<Diagnostic>) {
    let format = if text.trim_start().starts_with('{') { SourceFormat::Json } else { SourceFormat::Yaml };
    parse_as(text, format)
}

/// Reads a definition in the given format and validates it, its size included (AWS counts
/// the characters of the JSON it is given: for YAML, the JSON the tree prints as, compactly).
pub fn parse_as(text: &str, format: SourceFormat) -> (Document, Vec<Diagnostic>) {
    let (document, mut diagnostics) = Document::read(text, format);
    diagnostics.extend(validate::document_size(&document));
    if let Some(root) = document.root() {
        diagnostics.extend(validate::validate(root));
    }
    document.locate(&mut diagnostics);
    (document, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid definition of exactly `characters` characters, padded with `pad` in a Result.
    fn definition_of(characters: usize, pad: char) -> String {
        let (head, tail) = (r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":""#, r#"","End":true}}}"#);
        let padding: String = std::iter::repeat_n(pad, characters - head.len() - tail.len()).collect();
        format!("{head}{padding}{tail}")
    }

    fn codes(text: &str, format: SourceFormat) -> Vec<(&'static str, usize, usize)> {
        parse_as(text, format)
            .1
            .iter()
            .map(|diagnostic| (diagnostic.code, diagnostic.line, diagnostic.column))
            .collect()
    }

    #[test]
    fn a_definition_longer_than_aws_accepts_is_an_error_at_its_start() {
        let limit = validate::MAX_DEFINITION_CHARACTERS;
        assert_eq!(codes(&definition_of(limit, 'x'), SourceFormat::Json), []);
        // AWS counts characters, not bytes: two-byte characters up to the limit pass.
        assert_eq!(codes(&definition_of(limit, 'é'), SourceFormat::Json), []);
        let (_, diagnostics) = parse_as(&definition_of(limit + 1, 'x'), SourceFormat::Json);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!((diagnostics[0].code, diagnostics[0].line, diagnostics[0].column), ("DEFINITION_TOO_LARGE", 1, 1));
        assert_eq!(
            diagnostics[0].message,
            "the definition has 1048577 characters; AWS refuses definitions longer than 1048576 characters"
        );
        // YAML is measured as the JSON it becomes.
        let yaml =
            format!("StartAt: A\nStates:\n  A:\n    Type: Pass\n    Result: {}\n    End: true\n", "y".repeat(limit));
        assert_eq!(codes(&yaml, SourceFormat::Yaml), [("DEFINITION_TOO_LARGE", 1, 1)]);
    }
}
