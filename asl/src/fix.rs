//! Applying quick fixes in bulk: every fix of a definition's findings, one after another, each
//! on the tree the previous one left, for `statehouse lint --fix` and the designer's *Fix all*.

use std::collections::HashSet;

use crate::{
    Diagnostic, Fix, FixEdit,
    edit::{self, Edit},
    json::Node,
    lint::{self, LintOptions, compare_pointers},
    sort, validate,
};

/// The most fixes one call applies: each resolves a finding, so a definition needs about as
/// many as it has findings; this only stops fixes that would undo each other.
const MAX_FIXES: usize = 1_000;

/// What [`apply_all`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct Fixed {
    /// The definition with the fixes applied.
    pub root: Node,
    /// The titles of the fixes applied, in order.
    pub applied: Vec<String>,
}

/// The validation errors and lint warnings of a tree, in that order.
pub fn findings(root: &Node, options: &LintOptions) -> Vec<Diagnostic> {
    let mut findings = validate::validate(root);
    findings.extend(lint::lint(root, options));
    findings
}

/// Applies the fixes of `root`'s findings: the lint rules' fixes, and with `guesses` also the
/// likely corrections of misspellings. Each round applies every fix found that touches an
/// object or array no other fix of the round touches, the latest place first (so no fix moves
/// an array element a later one points at); then the findings are found again, until no fix
/// is left. A fix that cannot be applied is skipped.
pub fn apply_all(root: &Node, options: &LintOptions, guesses: bool) -> Fixed {
    let mut current = root.clone();
    let mut applied = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    while applied.len() < MAX_FIXES {
        let wanted = |fix: &Fix| (guesses || !fix.guess) && !refused.contains(&fix.title);
        let mut fixes: Vec<Fix> =
            findings(&current, options).into_iter().filter_map(|finding| finding.fix).filter(wanted).collect();
        if fixes.is_empty() {
            break;
        }
        sort::sort_by(&mut fixes, |left, right| compare_pointers(first_place(right), first_place(left)));
        let mut touched: HashSet<&str> = HashSet::new();
        let mut round = Vec::new();
        for fix in &fixes {
            let places: Vec<&str> = fix.edits.iter().map(touched_place).collect();
            if places.iter().any(|place| touched.contains(place)) {
                continue; // The next round finds it again, if it is still needed.
            }
            match edit::apply(&mut current, &Edit::ApplyFix(fix.clone())) {
                Ok(_) => {
                    touched.extend(places);
                    round.push(fix.title.clone());
                }
                Err(_) => refused.push(fix.title.clone()),
            }
        }
        // In the order of the document.
        applied.extend(round.into_iter().rev());
    }
    Fixed { root: current, applied }
}

/// Where a fix's first edit points.
fn first_place(fix: &Fix) -> &str {
    fix.edits.first().map_or("", FixEdit::pointer)
}

/// The object or array an edit changes: the parent of what it sets, removes or renames, or
/// the array it appends to.
fn touched_place(edit: &FixEdit) -> &str {
    let pointer = edit.pointer();
    match edit {
        FixEdit::Append { .. } => pointer,
        _ => pointer.rfind('/').map_or("", |slash| &pointer[..slash]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{json, lint::WorkflowType};

    const STANDARD: LintOptions = LintOptions { workflow_type: WorkflowType::Standard };

    const TYPOS: &str = r#"{
  "StartAt": "Check",
  "States": {
    "Check": { "Type": "Pass", "Nxt": "Charge" },
    "Charge": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Next": "Dne",
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "Done" }] },
    "Done": { "Type": "Succeed" }
  }
}"#;

    #[test]
    fn the_certain_fixes_resolve_their_findings_and_leave_the_guesses() {
        let root = json::parse(TYPOS).expect("valid JSON");
        let before = findings(&root, &STANDARD);
        let certain = before.iter().filter(|finding| finding.fix.as_ref().is_some_and(|fix| !fix.guess)).count();
        assert_eq!(certain, 1, "{before:#?}");
        let fixed = apply_all(&root, &STANDARD, false);
        assert_eq!(fixed.applied, ["Add TimeoutSeconds: 300"]);
        let codes: Vec<&str> = findings(&fixed.root, &STANDARD).iter().map(|finding| finding.code).collect();
        assert!(!codes.contains(&"TASK_WITHOUT_TIMEOUT"), "{codes:?}");
        assert!(codes.contains(&"MISSING_TRANSITION_TARGET"), "the misspelt target is left to a person: {codes:?}");
        // A catcher that starts keeping its error changes the handler's input (and fails on an
        // input that is not an object): left to a person too.
        assert!(codes.contains(&"CATCH_DISCARDS_ERROR"), "{codes:?}");
        assert_eq!(root, json::parse(TYPOS).expect("valid JSON"), "the tree given is not changed");
    }

    #[test]
    fn fixes_in_one_list_or_one_object_wait_for_the_next_round() {
        // Two misspellings of Next in one state: only one may become Next.
        let root =
            json::parse(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Nxt":"B","Nex":"B"},"B":{"Type":"Succeed"}}}"#)
                .expect("valid JSON");
        let fixed = apply_all(&root, &STANDARD, true);
        assert_eq!(fixed.applied, [r#"Rename "Nxt" to "Next""#]);
        let state = fixed.root.get("States").and_then(|states| states.get("A")).expect("state A");
        let keys: Vec<&str> = state.members().expect("object").iter().map(|member| member.key.as_str()).collect();
        assert_eq!(keys, ["Type", "Next", "Nex"]);

        // Dead retriers removed from one list, one a round, each at its current place.
        let root = json::parse(
            r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","TimeoutSeconds":5,
                "Retry":[{"ErrorEquals":["A"]},{"ErrorEquals":["A"]},{"ErrorEquals":["B"]},{"ErrorEquals":["B"]}],
                "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"F"}],"End":true},"F":{"Type":"Fail"}}}"#,
        )
        .expect("valid JSON");
        let fixed = apply_all(&root, &STANDARD, false);
        assert_eq!(fixed.applied, ["Remove retrier 3", "Remove retrier 1"]);
        let retry = fixed.root.get("States").and_then(|states| states.get("T")).and_then(|state| state.get("Retry"));
        assert_eq!(retry.and_then(Node::elements).map(<[Node]>::len), Some(2));
        assert_eq!(findings(&fixed.root, &STANDARD), Vec::new());
    }

    #[test]
    fn with_guesses_the_misspellings_are_corrected_too() {
        let root = json::parse(TYPOS).expect("valid JSON");
        let fixed = apply_all(&root, &STANDARD, true);
        assert_eq!(fixed.applied.len(), 4, "{:?}", fixed.applied);
        let left: Vec<&str> = findings(&fixed.root, &STANDARD).iter().map(|finding| finding.code).collect();
        assert_eq!(left, Vec::<&str>::new());
    }
}
