//! Diagnostics: what is wrong (or risky) in a definition, in AWS's vocabulary, and where.

use std::fmt;

use crate::json::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// AWS would refuse the definition (or the text is not a definition at all).
    Error,
    /// AWS accepts it, but it is likely a mistake or a risk.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as compiler-style output prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding about a definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A code in AWS's vocabulary where one exists (`SCHEMA_VALIDATION_FAILED`,
    /// `MISSING_END_STATE`, …), otherwise a Statehouse code for lint rules.
    pub code: &'static str,
    /// What is wrong and, where possible, what would be right.
    pub message: String,
    /// JSON pointer (RFC 6901) to the value concerned, `""` for the whole document. This is
    /// as precise as possible (the offending member, not just its state) for editors.
    pub pointer: String,
    /// Where AWS reports the problem, in AWS's notation (`/States/A`, `/States/C/Choices[0]/Next`),
    /// or `None` where AWS gives no location (`MISSING_END_STATE`).
    pub location: Option<String>,
    /// Where in the source text; filled in from the pointer when the document was parsed.
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column (in characters) of `span.start`.
    pub column: usize,
    /// A change that resolves the finding, when one is known (lint rules offer these).
    pub fix: Option<Fix>,
    /// The finding is about the member's key, not its value (a field that is not supported
    /// there), so its place in the text is the key.
    pub at_key: bool,
}

/// A change the designer (or `statehouse lint --fix`) can apply to resolve a diagnostic.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// What the change does, for a button or menu ("Add TimeoutSeconds: 300").
    pub title: String,
    /// The edits, applied in order.
    pub edits: Vec<FixEdit>,
    /// Whether the fix needs a person's confirmation: a guess at what was meant (a misspelt
    /// field or state name, see [`crate::suggest`]), or a change that resolves the finding but
    /// alters what the workflow does at run time (a catcher that starts keeping its error). A
    /// person applies it; `statehouse lint --fix` leaves it unless `--fix-guesses`.
    pub guess: bool,
}

impl Fix {
    /// A fix known to resolve its finding.
    pub fn new(title: impl Into<String>, edits: Vec<FixEdit>) -> Self {
        Self { title: title.into(), edits, guess: false }
    }

    /// A guess at what was meant, for a person to confirm.
    pub fn guess(title: impl Into<String>, edits: Vec<FixEdit>) -> Self {
        Self { title: title.into(), edits, guess: true }
    }
}

/// One edit of a fix: set the value at a JSON pointer (creating the last member if missing),
/// remove it, or append to the array there.
#[derive(Clone, Debug, PartialEq)]
pub enum FixEdit {
    /// Set the value at `pointer` to `value`.
    Set {
        /// Where; the parent must exist.
        pointer: String,
        /// The new value.
        value: serde_json::Value,
    },
    /// Remove the value at `pointer`.
    Remove {
        /// What.
        pointer: String,
    },
    /// Append `value` to the array at `pointer`, leaving its elements as written (duplicate
    /// keys and number spellings included).
    Append {
        /// The array; it must exist.
        pointer: String,
        /// The new last element.
        value: serde_json::Value,
    },
    /// Give the member at `pointer` the key `to`, in place: its value and its position among
    /// its object's members stay.
    Rename {
        /// The member.
        pointer: String,
        /// The new key.
        to: String,
    },
}

impl FixEdit {
    /// Where the edit applies: the member or element it sets, removes or renames, or the
    /// array it appends to.
    pub fn pointer(&self) -> &str {
        match self {
            FixEdit::Set { pointer, .. }
            | FixEdit::Remove { pointer }
            | FixEdit::Append { pointer, .. }
            | FixEdit::Rename { pointer, .. } => pointer,
        }
    }
}

impl Diagnostic {
    /// An error at `pointer`; its position is resolved later by [`crate::Document`].
    pub fn error(code: &'static str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, pointer, message)
    }

    /// A warning at `pointer`; its position is resolved later by [`crate::Document`].
    pub fn warning(code: &'static str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, pointer, message)
    }

    fn new(severity: Severity, code: &'static str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        let pointer = pointer.into();
        Self {
            severity,
            code,
            message: message.into(),
            location: Some(aws_location(&pointer)),
            pointer,
            span: Span::default(),
            line: 0,
            column: 0,
            fix: None,
            at_key: false,
        }
    }
}

impl Diagnostic {
    /// Overrides the AWS location (AWS sometimes reports the enclosing state rather than the field).
    pub fn with_location(mut self, location: Option<String>) -> Self {
        self.location = location;
        self
    }

    /// The diagnostic as AWS words it inside an `InvalidDefinition` message: `CODE: message at location`.
    pub fn aws_text(&self) -> String {
        match &self.location {
            Some(location) => format!("{}: {} at {location}", self.code, self.message),
            None => format!("{}: {} at null", self.code, self.message),
        }
    }

    /// Places the finding at the member's key rather than its value.
    pub fn at_key(mut self) -> Self {
        self.at_key = true;
        self
    }

    /// Attaches a fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}: {}[{}]: {}", self.line, self.column, self.severity.as_str(), self.code, self.message)
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub fn pointer_push(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for character in token.chars() {
        match character {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            other => out.push(other),
        }
    }
    out
}

/// Converts an RFC 6901 pointer to AWS's location notation: `""` is `/`, array indexes are
/// written `[i]` after the member they index (`/States/C/Choices/0/Next` → `/States/C/Choices[0]/Next`).
pub fn aws_location(pointer: &str) -> String {
    if pointer.is_empty() {
        return "/".to_string();
    }
    // ASL's arrays; a numeric token after any other member is a name (a state called "0").
    const ARRAYS: &[&str] = &["Choices", "Catch", "Retry", "Branches", "ErrorEquals", "And", "Or", "Items"];
    let mut out = String::with_capacity(pointer.len());
    let mut previous = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let is_index = !token.is_empty() && token.bytes().all(|byte| byte.is_ascii_digit());
        if is_index && ARRAYS.contains(&previous.as_str()) {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            out.push('/');
            out.push_str(&token);
        }
        previous = token;
    }
    out
}

/// Maps byte offsets to 1-based lines and columns.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(index, _)| index + 1));
        Self { line_starts }
    }

    /// The 1-based line and column (counted in characters) of a byte offset.
    pub fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|start| *start <= offset) - 1;
        let start = self.line_starts[line];
        let column = text.get(start..offset).map(|prefix| prefix.chars().count()).unwrap_or(offset - start);
        (line + 1, column + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slash_and_tilde() {
        assert_eq!(pointer_push("/States", "a/b~c"), "/States/a~1b~0c");
    }

    #[test]
    fn aws_locations_bracket_array_indexes() {
        assert_eq!(aws_location(""), "/");
        assert_eq!(aws_location("/States/C/Choices/0/Next"), "/States/C/Choices[0]/Next");
        assert_eq!(aws_location("/States/T/Catch/1/Next"), "/States/T/Catch[1]/Next");
        assert_eq!(aws_location("/States/a~1b"), "/States/a/b");
        assert_eq!(aws_location("/States/0/Next"), "/States/0/Next");
    }

    #[test]
    fn line_columns_count_characters() {
        let text = "ab\né€x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_column(text, 0), (1, 1));
        assert_eq!(index.line_column(text, 3), (2, 1));
        assert_eq!(index.line_column(text, text.find('x').expect("x")), (2, 3));
        assert_eq!(index.line_column(text, text.len()), (3, 1));
    }
}
