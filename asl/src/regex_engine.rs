//! The regular-expression engine under JSONPath `=~` filters and JSONata: `regex` natively,
//! `regex-lite` in the browser.
//!
//! Both crates read the same syntax, which is what [`crate::path`] and [`crate::jsonata`]
//! translate Java and JavaScript patterns into. `regex` is most of a megabyte of wasm with its
//! Unicode tables and its faster search strategies (a quarter of the designer's bundle), and
//! the designer only runs patterns when it simulates a state, so the browser build uses
//! `regex-lite` instead (`cfg(target_arch = "wasm32")`, or the `lite-regex` feature, which lets
//! the tests run it natively).
//!
//! What differs with `regex-lite`, in the designer's simulator only:
//! - case-insensitive matching (`/i`, `(?i)`) folds ASCII letters only;
//! - Unicode property classes (`\p{L}`, Java's `(?U)` classes) are refused with a reason, as
//!   backreferences are everywhere;
//! - `\b` and `\B` are ASCII, as Java's and JavaScript's are by default anyway.
//!
//! `\d`, `\w` and `\s` never reach the engine: the translations spell out the classes each
//! source language means.

#[cfg(not(any(target_arch = "wasm32", feature = "lite-regex")))]
use regex as engine;
#[cfg(any(target_arch = "wasm32", feature = "lite-regex"))]
use regex_lite as engine;

pub(crate) use engine::{Regex, escape};

/// Whether this build runs `regex-lite` (no Unicode classes or Unicode case folding).
pub(crate) const LITE: bool = cfg!(any(target_arch = "wasm32", feature = "lite-regex"));

/// Compiles `pattern` (in the `regex` crate's syntax) with bounded compiled size and nesting.
/// The error is the engine's reason, on one line.
pub(crate) fn compile(pattern: &str, size_limit: usize, nest_limit: u32) -> Result<Regex, String> {
    engine::RegexBuilder::new(pattern)
        .size_limit(size_limit)
        .nest_limit(nest_limit)
        .build()
        .map_err(|error| error.to_string().lines().last().unwrap_or("invalid pattern").trim().to_string())
}

/// A word boundary (`\b`, or `\B` when `negated`) over ASCII word characters.
pub(crate) fn ascii_word_boundary(negated: bool) -> &'static str {
    match (LITE, negated) {
        // regex-lite's boundaries are ASCII already, and it has no `u` flag to turn off.
        (true, false) => "\\b",
        (true, true) => "\\B",
        (false, false) => "(?-u:\\b)",
        (false, true) => "(?-u:\\B)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_word_boundaries_do_not_treat_accented_letters_as_word_characters() {
        let boundary = compile(&format!("{}x", ascii_word_boundary(false)), 1 << 20, 64).expect("compiles");
        assert!(boundary.is_match("é x"));
        assert!(boundary.is_match("éx"), "é is not an ASCII word character, so there is a boundary before x");
        assert!(!boundary.is_match("ax"));
        let inside = compile(&format!("a{}b", ascii_word_boundary(true)), 1 << 20, 64).expect("compiles");
        assert!(inside.is_match("ab"));
    }

    #[test]
    fn errors_are_one_line_reasons() {
        let error = compile("a(b", 1 << 20, 64).expect_err("unbalanced");
        assert!(!error.contains('\n'), "{error}");
        assert!(!error.is_empty());
    }

    #[test]
    fn unicode_classes_run_natively_and_are_refused_by_the_lite_engine() {
        let letters = compile("\\A\\p{L}+\\z", 1 << 20, 64);
        if LITE {
            assert!(letters.is_err());
        } else {
            assert!(letters.expect("compiles").is_match("héllo"));
        }
    }
}
