//! The problems list: validation errors and lint warnings, each naming its line; clicking one
//! selects its state and shows the place in the code, and its quick fix, when it has one, is
//! a button beside it.

use std::{
    hash::{Hash, Hasher},
    sync::Arc,
};

use asl::edit::Edit;
use leptos::prelude::*;

use super::Designer;

/// One finding, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Problem {
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// AWS's or the lint rule's code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// 1-based line and column in the text.
    pub line: usize,
    /// See `line`.
    pub column: usize,
    /// The state it is about, if any.
    pub state: Option<String>,
    /// UTF-16 range in the text, for the editor.
    pub from: usize,
    /// See `from`.
    pub to: usize,
    /// A change that resolves it, when one is known.
    pub fix: Option<QuickFix>,
}

/// A problem's quick fix. Compared by its contents and hashed by its title, so the list's
/// keys stay cheap.
#[derive(Clone, Debug, PartialEq)]
pub struct QuickFix(pub Arc<asl::Fix>);

impl Eq for QuickFix {}

impl Hash for QuickFix {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.title.hash(state);
    }
}

impl Designer {
    /// Applies the quick fix of the problem at `index` of the list, if that problem still has
    /// the fix titled `title` (the list may have changed since the fix was offered).
    pub fn apply_fix(self, index: usize, title: &str) {
        let fix = self.problems.with_untracked(|problems| {
            problems.get(index).and_then(|problem| problem.fix.clone()).filter(|fix| fix.0.title == title)
        });
        match fix {
            Some(QuickFix(fix)) => {
                self.edit(&format!("fix: {title}"), Edit::ApplyFix(asl::Fix::clone(&fix)));
            }
            None => self.say(true, format!("Cannot fix: \"{title}\" no longer applies to the text.")),
        }
    }

    /// Applies every fix known to resolve its finding (the lint rules', not the guesses at
    /// misspellings; `asl::fix::apply_all`) as one undo step, and says which.
    pub fn fix_all(self) {
        let options = asl::lint::LintOptions { workflow_type: self.workflow.get_untracked() };
        let fixed =
            self.model.with_untracked(|model| model.root().map(|root| asl::fix::apply_all(root, &options, false)));
        let Some(fixed) = fixed.filter(|fixed| !fixed.applied.is_empty()) else {
            self.say(false, "Nothing to fix.");
            return;
        };
        let count = fixed.applied.len();
        let edit = Edit::SetNode { pointer: String::new(), node: fixed.root };
        if self.edit(&format!("fix {count} problem(s)"), edit) {
            // The same fix on many states is said once, with how many times.
            let mut kinds: Vec<(&str, usize)> = Vec::new();
            for title in &fixed.applied {
                match kinds.iter_mut().find(|(kind, _)| kind == title) {
                    Some((_, times)) => *times += 1,
                    None => kinds.push((title, 1)),
                }
            }
            let said: Vec<String> = kinds
                .into_iter()
                .map(|(title, times)| if times > 1 { format!("{title} (×{times})") } else { title.to_string() })
                .collect();
            self.say(false, format!("Fixed {count}: {}.", said.join("; ")));
        }
    }
}

/// How many problems the list shows until asked for all: a large definition can have a
/// thousand, and a thousand rows weigh on every frame of the page (a drag on the canvas). The
/// code view marks every one.
pub const SHOWN_AT_FIRST: usize = 100;

/// The problems list.
#[component]
pub fn ProblemsList(designer: Designer) -> impl IntoView {
    let show_all = RwSignal::new(false);
    let hidden = move || {
        if show_all.get() {
            0
        } else {
            designer.problems.with(|problems| problems.len().saturating_sub(SHOWN_AT_FIRST))
        }
    };
    let summary = move || {
        designer.problems.with(|problems| {
            let errors = problems.iter().filter(|problem| problem.severity == "error").count();
            let warnings = problems.len() - errors;
            match (errors, warnings) {
                (0, 0) => "No problems".to_string(),
                _ => format!("{errors} error(s), {warnings} warning(s)"),
            }
        })
    };
    let certain = move || {
        designer.problems.with(|problems| {
            problems.iter().filter(|problem| problem.fix.as_ref().is_some_and(|QuickFix(fix)| !fix.guess)).count()
        })
    };
    view! {
        <section class="problems" aria-label="Problems">
            <h3>
                "Problems " <span class="problems-summary" data-testid="problems-summary">{summary}</span>
                {move || {
                    let count = certain();
                    (count > 1)
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="problem-fix problems-fix-all"
                                    data-testid="fix-all"
                                    title="Apply every lint rule's fix as one undo step (misspellings are left for you to confirm)"
                                    on:click=move |_| designer.fix_all()
                                >
                                    {format!("Fix all {count}")}
                                </button>
                            }
                        })
                }}
            </h3>
            <ul data-testid="problems">
                <For
                    each=move || {
                        let shown = if show_all.get() { usize::MAX } else { SHOWN_AT_FIRST };
                        designer.problems.with(|problems| problems.iter().take(shown).cloned().enumerate().collect::<Vec<_>>())
                    }
                    key=|(index, problem)| (*index, problem.clone())
                    children=move |(index, problem)| {
                        let Problem { severity, code, message, line, column, state, from, to, fix } = problem;
                        let go = {
                            let state = state.clone();
                            move |_| {
                                if let Some(state) = &state {
                                    designer.selected.set(Some(state.clone()));
                                }
                                if let Some(editor) = designer.editor.get_value() {
                                    editor.select(from, to);
                                }
                            }
                        };
                        let fix = fix.map(|QuickFix(fix)| {
                            let title = fix.title.clone();
                            let apply = move |_| designer.apply_fix(index, &fix.title);
                            view! {
                                <button type="button" class="problem-fix" data-testid="problem-fix" on:click=apply>
                                    "Quick fix: "
                                    {title}
                                </button>
                            }
                        });
                        view! {
                            <li class=format!("problem problem-{severity}") data-severity=severity data-code=code>
                                <button type="button" class="problem-go" on:click=go>
                                    <span class="problem-where">{format!("{line}:{column}")}</span>
                                    <span class="problem-state">{state.unwrap_or_default()}</span>
                                    <span class="problem-message">{message}</span>
                                    <code class="problem-code">{code}</code>
                                </button>
                                {fix}
                            </li>
                        }
                    }
                />
            </ul>
            {move || {
                let hidden = hidden();
                (hidden > 0)
                    .then(|| {
                        view! {
                            <button type="button" class="problems-more" on:click=move |_| show_all.set(true)>
                                {format!("Show {hidden} more")}
                            </button>
                        }
                    })
            }}
        </section>
    }
}
