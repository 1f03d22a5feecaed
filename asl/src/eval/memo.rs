//! Parsed paths and intrinsic calls, remembered per thread by their text.
//!
//! A state machine evaluates the same few texts (`$.i`, `States.MathAdd($.i, 1)`, a
//! `ResultPath`) on every pass through a state, and parsing them again each time was a
//! measurable share of a loop's cost (BENCHMARKS.md, engine section). Only successful parses
//! are kept; a text that fails is parsed again, so its error is built as before. Each cache
//! is emptied when it reaches [`CAPACITY`] texts, which bounds its memory.

use std::{cell::RefCell, collections::HashMap, rc::Rc, thread::LocalKey};

use crate::intrinsic::{IntrinsicCall, IntrinsicError, parse_intrinsic_syntax};
use crate::path::{JsonPath, PathError, parse_path, parse_reference_path};

/// How many texts one cache holds before it starts again.
pub const CAPACITY: usize = 4_096;

/// Keyed by the text with foldhash: SipHash's hashing of `$.i` on every state was 7 % of a
/// Choice loop's time.
type Cache<T> = RefCell<HashMap<Box<str>, Rc<T>, foldhash::fast::RandomState>>;

thread_local! {
    static PATHS: Cache<JsonPath> = RefCell::default();
    static REFERENCE_PATHS: Cache<JsonPath> = RefCell::default();
    static CALLS: Cache<IntrinsicCall> = RefCell::default();
}

fn remembered<T, E>(
    cache: &'static LocalKey<Cache<T>>,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Rc<T>, E> {
    if let Some(found) = cache.with(|cache| cache.borrow().get(text).cloned()) {
        return Ok(found);
    }
    let parsed = Rc::new(parse(text)?);
    cache.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CAPACITY {
            cache.clear();
        }
        cache.insert(text.into(), Rc::clone(&parsed));
    });
    Ok(parsed)
}

/// [`parse_path`], remembered.
pub fn path(text: &str) -> Result<Rc<JsonPath>, PathError> {
    remembered(&PATHS, text, parse_path)
}

/// [`parse_reference_path`], remembered.
pub fn reference_path(text: &str) -> Result<Rc<JsonPath>, PathError> {
    remembered(&REFERENCE_PATHS, text, parse_reference_path)
}

/// [`parse_intrinsic_syntax`], remembered.
pub fn intrinsic_call(text: &str) -> Result<Rc<IntrinsicCall>, IntrinsicError> {
    remembered(&CALLS, text, parse_intrinsic_syntax)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_parses_to_the_same_tree_as_without_the_memo_and_is_shared_the_second_time() {
        let first = path("$.order.items[0]").expect("a path");
        assert_eq!(*first, parse_path("$.order.items[0]").expect("a path"));
        assert!(Rc::ptr_eq(&first, &path("$.order.items[0]").expect("a path")));
        let call = intrinsic_call("States.MathAdd($.i, 1)").expect("a call");
        assert_eq!(*call, parse_intrinsic_syntax("States.MathAdd($.i, 1)").expect("a call"));
        assert!(Rc::ptr_eq(&call, &intrinsic_call("States.MathAdd($.i, 1)").expect("a call")));
    }

    #[test]
    fn the_two_kinds_of_path_are_kept_apart_and_errors_are_not_kept() {
        // `$.a[*]` is a path but not a reference path: the memo must not answer one from the other.
        assert!(path("$.a[*]").is_ok());
        assert!(reference_path("$.a[*]").is_err());
        assert!(reference_path("$.a[*]").is_err());
        assert!(path("$.a[").is_err());
        assert!(path("$.a[").is_err());
    }

    #[test]
    fn a_full_cache_starts_again() {
        for index in 0..CAPACITY + 10 {
            path(&format!("$.field{index}")).expect("a path");
        }
        let size = PATHS.with(|cache| cache.borrow().len());
        assert!(size <= CAPACITY, "{size} texts kept");
        assert_eq!(*path("$.field1").expect("a path"), parse_path("$.field1").expect("a path"));
    }
}
