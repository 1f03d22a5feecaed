//! Redrives in the decider: where a redriven execution resumes, and what a failed Map or
//! Parallel state keeps for it (a Map Run to redrive, the outputs of the branches and
//! iterations that succeeded, and where each of the others resumes).

use super::*;

/// A top-level Parallel or inline Map state that failed: the outputs of its branches or
/// iterations that succeeded (by index; `None` for the others), kept for a redrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptOutputs {
    /// The state.
    pub state: String,
    /// Each branch's or iteration's output, if it succeeded.
    pub outputs: Vec<Option<Value>>,
    /// For the others, where each resumes: the state it failed in (or was running when the
    /// failure aborted it), that state's input, and its variables then.
    #[serde(default)]
    pub resume: Vec<Option<Resume>>,
}

/// Where a branch or iteration that did not succeed resumes when redriven.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resume {
    /// The state.
    pub state: String,
    /// Its input.
    pub input: Value,
    /// The thread's variables.
    pub variables: Map<String, Value>,
}

impl KeptOutputs {
    /// What `threads` (a failed Parallel's branches or inline Map's iterations, by index)
    /// leave for a redrive of `state`.
    pub(super) fn of<'t>(state: &str, threads: impl Iterator<Item = Option<&'t Thread>>) -> Self {
        let mut kept = KeptOutputs { state: state.to_string(), outputs: Vec::new(), resume: Vec::new() };
        for thread in threads {
            let (output, resume) = match thread.map(|thread| (&thread.at, thread)) {
                Some((At::Done { output }, _)) => (Some(output.clone()), None),
                Some((At::Run(attempt), thread)) => {
                    (None, Some((attempt.state.clone(), attempt.input.clone(), thread)))
                }
                Some((At::Enter { state, input, .. }, thread)) => (None, Some((state.clone(), input.clone(), thread))),
                Some((At::Failed { resume_at: Some((state, input)), .. }, thread)) => {
                    (None, Some((state.clone(), input.clone(), thread)))
                }
                Some((At::Failed { .. }, _)) | None => (None, None),
            };
            kept.outputs.push(output);
            kept.resume.push(resume.map(|(state, input, thread)| Resume {
                state,
                input,
                variables: thread.variables.clone(),
            }));
        }
        kept
    }

    /// Where branch or iteration `index` starts when redriven, if not from its start: done
    /// with its output, or entering the state it stopped in.
    pub(super) fn take(&mut self, index: usize) -> Option<(At, Option<Map<String, Value>>)> {
        if let Some(output) = self.outputs.get_mut(index).and_then(Option::take) {
            return Some((At::Done { output }, None));
        }
        self.resume.get_mut(index).and_then(Option::take).map(|resume| {
            let at = At::Enter { state: resume.state, input: resume.input, measured: false, text: None };
            (at, Some(resume.variables))
        })
    }
}

/// A top-level distributed Map state's Map Run that failed, kept for a redrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedMapRun {
    /// The Map state.
    pub state: String,
    /// The Map Run.
    pub arn: String,
    /// How many times it was redriven before.
    pub redrive_count: u32,
    /// The results of its children that succeeded, by item index: a redrive does not ask
    /// for those again (Express children cannot be found again to tell).
    #[serde(default)]
    pub outputs: Vec<Option<Value>>,
}

impl Decider<'_> {
    /// Notes where a redrive of a failing top-level thread resumes.
    pub(super) fn remember_failure_point(&mut self, thread: &Thread) {
        if !thread.path.is_empty() {
            return;
        }
        match &thread.at {
            At::Run(attempt) => self.redrive_from = Some((attempt.state.clone(), attempt.input.clone())),
            At::Enter { state, input, .. } => self.redrive_from = Some((state.clone(), input.clone())),
            At::Done { .. } | At::Failed { .. } => {}
        }
    }

    /// RedriveExecution: `ExecutionRedriven`, then the state that did not succeed is
    /// entered again with the input it had. States that succeeded are not run again. A
    /// distributed Map whose Map Run failed redrives that run (`MapRunRedriven`): its
    /// children that succeeded keep their results, the others are redriven. A Parallel state
    /// or inline Map state keeps the outputs of its branches or iterations that succeeded;
    /// the others resume at the state they failed or were aborted in.
    pub(super) fn redrive(&mut self, snapshot: &mut Snapshot, redrive_count: u32) {
        if !matches!(snapshot.status, Status::Failed { .. } | Status::TimedOut { .. } | Status::Aborted { .. }) {
            return;
        }
        let Some(root) = snapshot.root.as_mut() else { return };
        // Stopped or timed out while a state ran: resume at that state.
        if self.redrive_from.is_none() {
            self.remember_failure_point(root);
        }
        let Some((state, input)) = self.redrive_from.take() else { return };
        if self.redrive_map_run.as_ref().is_some_and(|run| run.state != state) {
            self.redrive_map_run = None;
        }
        if self.redrive_outputs.as_ref().is_some_and(|kept| kept.state != state) {
            self.redrive_outputs = None;
        }
        let id = self.emit(
            self.last_event_id,
            EventBody::new(
                "ExecutionRedriven",
                "executionRedrivenEventDetails",
                serde_json::json!({ "redriveCount": redrive_count }),
            ),
        );
        root.last = id;
        root.at = At::Enter { state, input, measured: false, text: None };
        snapshot.status = Status::Running;
        if let Some(seconds) = self.machine.timeout_seconds {
            let key = self.timer(seconds_to_millis(seconds as f64));
            snapshot.timeout_key = Some(key);
        }
        self.handle_running(snapshot);
    }
}
