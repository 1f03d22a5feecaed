//! Applying quick fixes in bulk: every fix of a definition's findings, one after another, each
//! on the tree the previous one left, for `statehouse lint --fix` and the designer's *Fix all*.

use crate::{
    Diagnostic, Fix,
    edit::{self, Edit},
    json::Node,
    lint::{self, LintOptions},
    validate,
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

/// Applies the fixes of `root`'s findings one at a time, finding them again after each (so
/// every fix's pointers are current): the lint rules' fixes, and with `guesses` also the
/// likely corrections of misspellings. A fix that cannot be applied is skipped.
pub fn apply_all(root: &Node, options: &LintOptions, guesses: bool) -> Fixed {
    let mut current = root.clone();
    let mut applied = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    while applied.len() < MAX_FIXES {
        let wanted = |fix: &Fix| (guesses || !fix.guess) && !refused.contains(&fix.title);
        let Some(fix) = findings(&current, options).into_iter().filter_map(|finding| finding.fix).find(wanted) else {
            break;
        };
        let mut next = current.clone();
        match edit::apply(&mut next, &Edit::ApplyFix(fix.clone())) {
            Ok(_) => {
                current = next;
                applied.push(fix.title);
            }
            Err(_) => refused.push(fix.title),
        }
    }
    Fixed { root: current, applied }
}

/// How many of these findings have a fix [`apply_all`] applies without `guesses`.
pub fn certain_fixes(findings: &[Diagnostic]) -> usize {
    findings.iter().filter(|finding| finding.fix.as_ref().is_some_and(|fix| !fix.guess)).count()
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
        assert_eq!(certain_fixes(&before), 2, "{before:#?}");
        let fixed = apply_all(&root, &STANDARD, false);
        assert_eq!(fixed.applied, ["Add TimeoutSeconds: 300", "Keep the error at $.error"]);
        let codes: Vec<&str> = findings(&fixed.root, &STANDARD).iter().map(|finding| finding.code).collect();
        assert!(!codes.contains(&"TASK_WITHOUT_TIMEOUT") && !codes.contains(&"CATCH_DISCARDS_ERROR"), "{codes:?}");
        assert!(codes.contains(&"MISSING_TRANSITION_TARGET"), "the misspelt target is left to a person: {codes:?}");
        assert_eq!(root, json::parse(TYPOS).expect("valid JSON"), "the tree given is not changed");
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
