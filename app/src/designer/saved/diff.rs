//! Line diffs of two texts as hunks with context (the `similar` crate's Myers diff).

use std::time::Duration;

use similar::{ChangeTag, TextDiff};

use super::{DiffHunk, DiffLine, LineKind};

/// Past this, `similar` stops looking for the smallest diff and returns a correct but
/// coarser one, so two unrelated 1 MB texts cannot hold a server thread for long.
const DIFF_TIMEOUT: Duration = Duration::from_secs(1);

fn number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// The changes from `old` to `new`, line by line, grouped into hunks with up to
/// `context` unchanged lines around each change.
pub(super) fn line_hunks(old: &str, new: &str, context: usize) -> Vec<DiffHunk> {
    let diff = TextDiff::configure().timeout(DIFF_TIMEOUT).diff_lines(old, new);
    diff.grouped_ops(context)
        .into_iter()
        .filter(|group| !group.is_empty())
        .map(|group| {
            let old_range = group[0].old_range().start..group[group.len() - 1].old_range().end;
            let new_range = group[0].new_range().start..group[group.len() - 1].new_range().end;
            let start = |range: &std::ops::Range<usize>| {
                let start = if range.is_empty() { range.start } else { range.start + 1 };
                u32::try_from(start).unwrap_or(u32::MAX)
            };
            let lines = group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| DiffLine {
                    kind: match change.tag() {
                        ChangeTag::Equal => LineKind::Same,
                        ChangeTag::Insert => LineKind::Added,
                        ChangeTag::Delete => LineKind::Removed,
                    },
                    old_number: change.old_index().map(number),
                    new_number: change.new_index().map(number),
                    text: without_line_ending(change.value()).to_string(),
                })
                .collect();
            DiffHunk {
                old_start: start(&old_range),
                old_count: u32::try_from(old_range.len()).unwrap_or(u32::MAX),
                new_start: start(&new_range),
                new_count: u32::try_from(new_range.len()).unwrap_or(u32::MAX),
                lines,
            }
        })
        .collect()
}

fn without_line_ending(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(hunk: &DiffHunk) -> Vec<(LineKind, Option<u32>, Option<u32>, &str)> {
        hunk.lines.iter().map(|line| (line.kind, line.old_number, line.new_number, line.text.as_str())).collect()
    }

    #[test]
    fn hunks_number_lines_on_both_sides_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
        let hunks = line_hunks(old, new, 1);
        assert_eq!(hunks.len(), 2, "{hunks:#?}");
        assert_eq!(hunks[0].header(), "@@ -1,3 +1,3 @@");
        assert_eq!(
            lines(&hunks[0]),
            vec![
                (LineKind::Same, Some(1), Some(1), "a"),
                (LineKind::Removed, Some(2), None, "b"),
                (LineKind::Added, None, Some(2), "B"),
                (LineKind::Same, Some(3), Some(3), "c"),
            ]
        );
        assert_eq!(hunks[1].header(), "@@ -11,1 +11,2 @@");
        assert_eq!(
            lines(&hunks[1]),
            vec![(LineKind::Same, Some(11), Some(11), "k"), (LineKind::Added, None, Some(12), "l")]
        );
    }

    #[test]
    fn equal_texts_have_no_hunks_and_crlf_endings_are_not_shown() {
        assert!(line_hunks("x\r\ny\r\n", "x\r\ny\r\n", 3).is_empty());
        let hunks = line_hunks("", "x\r\n", 3);
        assert_eq!(hunks[0].header(), "@@ -0,0 +1,1 @@");
        assert_eq!(lines(&hunks[0]), vec![(LineKind::Added, None, Some(1), "x")]);
    }
}
