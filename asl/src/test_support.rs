//! Test helpers shared by the unit tests and the integration tests of `asl`: finding the
//! shared corpus beside the checkout, listing its files, and judging results against a
//! known-failures list. Integration tests include this file with `#[path]`.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// `../shared/<relative>` beside this checkout, or `None` (after saying so) when it is absent.
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared").join(relative);
    if path.exists() {
        Some(path)
    } else {
        println!("skipped: ../shared is not present next to this checkout ({})", path.display());
        None
    }
}

/// Every definition file of the real-world corpus (`corpus/real-asl`), sorted, without the
/// `manifest.json` lists; `extensions` chooses which kinds (`["json"]`, or also `yaml`, `yml`, `asl`).
pub fn real_asl_files(corpus: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![corpus.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap_or_else(|error| panic!("{}: {error}", folder.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .extension()
                .and_then(|extension| extension.to_str())
                .is_some_and(|extension| extensions.contains(&extension))
                && path.file_name().is_some_and(|name| name != "manifest.json")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The cases listed for `group` in a known-failures list (`<group> <case>` lines, `#` comments).
pub fn known_failures(list: &str, group: &str) -> BTreeSet<String> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .filter(|(kind, _)| *kind == group)
        .map(|(_, case)| case.trim().to_string())
        .collect()
}

/// Prints the pass rate of `group`, fails on failures missing from the known list (regressions),
/// and reports listed cases that now pass (progress is free). `failures` maps each failed case
/// to its reason (empty when the caller printed the details itself).
pub fn judge(list_name: &str, list: &str, group: &str, total: usize, failures: &BTreeMap<String, String>) {
    let known = known_failures(list, group);
    let failed: BTreeSet<String> = failures.keys().cloned().collect();
    let new: Vec<String> = failed
        .difference(&known)
        .map(|case| if failures[case].is_empty() { case.clone() } else { format!("{case}: {}", failures[case]) })
        .collect();
    let fixed: Vec<_> = known.difference(&failed).collect();
    let passed = total - failures.len();
    println!(
        "{group}: {passed}/{total} pass ({:.1} %), {} known failures",
        100.0 * passed as f64 / total.max(1) as f64,
        known.len()
    );
    for (case, reason) in failures.iter().filter(|(_, reason)| !reason.is_empty()) {
        println!("  {group} {case}: {reason}");
    }
    if !fixed.is_empty() {
        println!("{group}: now passing, remove from {list_name}: {fixed:?}");
    }
    assert!(new.is_empty(), "{group}: new failures (regressions):\n{}", new.join("\n"));
}
