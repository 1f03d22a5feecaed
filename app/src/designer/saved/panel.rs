//! The designer's panel for saved designs: open one, save a new version with a message, list
//! the versions, diff two of them and restore one.

use leptos::prelude::*;

use super::*;

/// What the panel last did, shown in its status line.
#[derive(Clone, Debug)]
enum PanelStatus {
    /// Nothing yet.
    Idle,
    /// Something worked (the text says what).
    Done(String),
    /// Something failed.
    Failed(SavedError),
}

/// The key of a picker option: `design:NAME` or `machine:ARN`.
fn picker_key(entry: &SavedEntry) -> String {
    match entry {
        SavedEntry::Design { name, .. } => format!("design:{name}"),
        SavedEntry::StateMachine { arn, .. } => format!("machine:{arn}"),
    }
}

fn source_from_key(key: &str) -> Option<SavedSource> {
    if let Some(name) = key.strip_prefix("design:") {
        Some(SavedSource::Design { name: name.to_string(), version: None })
    } else {
        key.strip_prefix("machine:").map(|arn| SavedSource::StateMachine { arn: arn.to_string() })
    }
}

/// The designer's panel for saved designs: open a saved design or state machine, save the
/// current design as a new version with a message, list its versions, diff two of them and
/// restore one.
#[component]
pub fn SavedPanel(
    /// The current design's name (None for a new, unsaved design).
    #[prop(into)]
    name: Signal<Option<String>>,
    /// Returns the current ASL text and the layout sidecar JSON when a save is made.
    snapshot: Callback<(), (String, String)>,
    /// Called when the person opens a saved design/state machine or restores a version: what to
    /// open. A restore's `then` makes the new version on the server, once the version is open
    /// (the designer may first ask whether to drop unsaved work; kept, nothing is restored).
    on_open: Callback<OpenRequest>,
    /// Called after a save with the design's name and the new version's number.
    #[prop(optional)]
    on_saved: Option<Callback<(String, u32)>>,
) -> impl IntoView {
    // The design whose versions are listed: the designer's, or the one saved or opened last.
    let current = RwSignal::new(name.get_untracked());
    let name_field = RwSignal::new(name.get_untracked().unwrap_or_default());
    let message_field = RwSignal::new(String::new());
    Effect::new(move |_| {
        let designer_name = name.get();
        name_field.set(designer_name.clone().unwrap_or_default());
        current.set(designer_name);
    });
    let refresh = RwSignal::new(0_u32);
    let status = RwSignal::new(PanelStatus::Idle);
    let picked = RwSignal::new(String::new());
    let diff_from = RwSignal::new(None::<u32>);
    let diff_to = RwSignal::new(None::<u32>);

    let saved = Resource::new(move || refresh.get(), |_| list_saved());
    let versions = Resource::new(
        move || (current.get(), refresh.get()),
        |(design, _)| async move {
            match design {
                None => Ok(Vec::new()),
                Some(design) => list_versions(design).await,
            }
        },
    );

    let open = Action::new(move |source: &SavedSource| {
        let source = source.clone();
        async move {
            match load_saved(source).await {
                Ok(loaded) => {
                    let text = match loaded.version {
                        Some(version) => format!("Opened “{}”, version {version}", loaded.name),
                        None => format!("Opened the state machine “{}”", loaded.name),
                    };
                    name_field.set(loaded.name.clone());
                    current.set(Some(loaded.name.clone()));
                    diff_from.set(None);
                    diff_to.set(None);
                    on_open.run(OpenRequest {
                        name: loaded.name,
                        definition: loaded.definition,
                        layout: loaded.layout,
                        then: None,
                    });
                    status.set(PanelStatus::Done(text));
                }
                Err(error) => status.set(PanelStatus::Failed(error)),
            }
        }
    });

    // `/designer?open=machine:ARN` (an execution's page links so) opens it once the page is up;
    // over unsaved work the designer asks first, as for any open.
    Effect::new(move |_| {
        if let Some(source) = crate::designer::browser::take_open_request().as_deref().and_then(source_from_key) {
            open.dispatch(source);
        }
    });

    let save = Action::new(move |request: &(String, String, String, Option<String>)| {
        let (design, message, definition, layout) = request.clone();
        async move {
            match save_design(design.clone(), message, definition, layout).await {
                Ok(version) => {
                    let design = design.trim().to_string();
                    name_field.set(design.clone());
                    message_field.set(String::new());
                    current.set(Some(design.clone()));
                    diff_from.set(None);
                    diff_to.set(None);
                    refresh.update(|count| *count += 1);
                    status.set(PanelStatus::Done(format!("Saved version {version}")));
                    if let Some(on_saved) = on_saved {
                        on_saved.run((design, version));
                    }
                }
                Err(error) => status.set(PanelStatus::Failed(error)),
            }
        }
    });

    // A restore opens the version first and makes the new version only once it is open: over
    // unsaved work the designer asks, and keeping that work restores nothing.
    let restore = Action::new(move |request: &(String, u32, String)| {
        let (design, version, message) = request.clone();
        async move {
            match restore_version(design, version, message).await {
                Ok(restored) => {
                    let text =
                        format!("Restored version {version} as version {}", restored.version.unwrap_or_default());
                    message_field.set(String::new());
                    refresh.update(|count| *count += 1);
                    status.set(PanelStatus::Done(text));
                }
                Err(error) => status.set(PanelStatus::Failed(error)),
            }
        }
    });
    let open_to_restore = Action::new(move |request: &(String, u32, String)| {
        let (design, version, message) = request.clone();
        async move {
            match load_saved(SavedSource::Design { name: design.clone(), version: Some(version) }).await {
                Ok(loaded) => on_open.run(OpenRequest {
                    name: loaded.name,
                    definition: loaded.definition,
                    layout: loaded.layout,
                    then: Some(Callback::new(move |()| {
                        restore.dispatch((design.clone(), version, message.clone()));
                    })),
                }),
                Err(error) => status.set(PanelStatus::Failed(error)),
            }
        }
    });

    let diff = Action::new(move |request: &(String, u32, u32)| {
        let (design, from, to) = request.clone();
        diff_versions(design, from, to)
    });
    // A diff belongs to the design it was made for.
    Effect::new(move |_| {
        current.track();
        diff.value().set(None);
    });

    let on_open_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match source_from_key(&picked.get_untracked()) {
            Some(source) => {
                open.dispatch(source);
            }
            None => status.set(PanelStatus::Done("Choose a design or state machine to open first".to_string())),
        }
    };
    let on_save_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (definition, layout) = snapshot.run(());
        let layout = Some(layout).filter(|layout| !layout.trim().is_empty());
        save.dispatch((name_field.get_untracked(), message_field.get_untracked(), definition, layout));
    };
    let busy = move || {
        open.pending().get() || save.pending().get() || restore.pending().get() || open_to_restore.pending().get()
    };
    let failed_field = move || {
        status.with(|status| match status {
            PanelStatus::Failed(error) => error.field().map(str::to_string),
            _ => None,
        })
    };
    let invalid =
        move |field: &'static str| move || if failed_field().as_deref() == Some(field) { "true" } else { "false" };

    view! {
        <section class="saved-panel" aria-labelledby="saved-panel-title">
            <h2 id="saved-panel-title">"Saved designs"</h2>

            <form class="saved-open" data-testid="open-saved" on:submit=on_open_submit>
                <div class="field">
                    <label for="saved-pick">"Open a saved design or state machine"</label>
                    <Transition fallback=|| view! { <p class="muted">"Loading the saved designs…"</p> }>
                        {move || {
                            saved
                                .get()
                                .map(|listed| match listed {
                                    Ok(entries) => {
                                        let designs: Vec<SavedEntry> = entries
                                            .iter()
                                            .filter(|entry| matches!(entry, SavedEntry::Design { .. }))
                                            .cloned()
                                            .collect();
                                        let machines: Vec<SavedEntry> = entries
                                            .iter()
                                            .filter(|entry| matches!(entry, SavedEntry::StateMachine { .. }))
                                            .cloned()
                                            .collect();
                                        view! {
                                            <select
                                                id="saved-pick"
                                                prop:value=move || picked.get()
                                                on:change=move |event| picked.set(event_target_value(&event))
                                            >
                                                <option value="">
                                                    {if entries.is_empty() {
                                                        "Nothing is saved yet"
                                                    } else {
                                                        "Choose…"
                                                    }}
                                                </option>
                                                <Show when={
                                                    let any = !designs.is_empty();
                                                    move || any
                                                }>
                                                    <optgroup label="Designs">
                                                        {designs
                                                            .iter()
                                                            .map(picker_option)
                                                            .collect_view()}
                                                    </optgroup>
                                                </Show>
                                                <Show when={
                                                    let any = !machines.is_empty();
                                                    move || any
                                                }>
                                                    <optgroup label="State machines">
                                                        {machines
                                                            .iter()
                                                            .map(picker_option)
                                                            .collect_view()}
                                                    </optgroup>
                                                </Show>
                                            </select>
                                        }
                                            .into_any()
                                    }
                                    Err(error) => {
                                        view! { <p role="alert" class="saved-error">{error.to_string()}</p> }
                                            .into_any()
                                    }
                                })
                        }}
                    </Transition>
                </div>
                <button type="submit" disabled=busy>
                    "Open"
                </button>
            </form>

            <form class="saved-save" on:submit=on_save_submit>
                <div class="field">
                    <label for="saved-name">"Name"</label>
                    <input
                        id="saved-name"
                        name="name"
                        type="text"
                        maxlength=MAX_NAME_CHARS
                        autocomplete="off"
                        aria-invalid=invalid("name")
                        value=name.get_untracked().unwrap_or_default()
                        bind:value=name_field
                    />
                </div>
                <div class="field">
                    <label for="saved-message">"Message"</label>
                    <input
                        id="saved-message"
                        name="message"
                        type="text"
                        maxlength=MAX_MESSAGE_CHARS
                        autocomplete="off"
                        placeholder="What does this version change?"
                        aria-invalid=invalid("message")
                        bind:value=message_field
                    />
                </div>
                <button type="submit" data-testid="save-design" disabled=busy>
                    "Save"
                </button>
            </form>

            <div class="saved-status" role="status" aria-live="polite">
                {move || match status.get() {
                    PanelStatus::Idle => ().into_any(),
                    PanelStatus::Done(text) => view! { <p class="saved-ok">{text}</p> }.into_any(),
                    PanelStatus::Failed(error) => {
                        view! { <p class="saved-error">{error.to_string()}</p> }.into_any()
                    }
                }}
            </div>

            <section class="saved-versions" aria-labelledby="saved-versions-title">
                <h3 id="saved-versions-title">
                    {move || match current.get() {
                        Some(design) => format!("Versions of “{design}”"),
                        None => "Versions".to_string(),
                    }}
                </h3>
                <Transition fallback=|| view! { <p class="muted">"Loading the versions…"</p> }>
                    {move || {
                        versions
                            .get()
                            .map(|listed| match listed {
                                Err(error) => {
                                    view! { <p role="alert" class="saved-error">{error.to_string()}</p> }
                                        .into_any()
                                }
                                Ok(listed) if listed.is_empty() => {
                                    view! {
                                        <p class="muted" data-testid="versions">
                                            "No saved versions yet: save this design to start its history."
                                        </p>
                                    }
                                        .into_any()
                                }
                                Ok(listed) => {
                                    let default_to = listed[0].version;
                                    let default_from = listed.get(1).map_or(default_to, |entry| entry.version);
                                    let numbers: Vec<u32> = listed.iter().map(|entry| entry.version).collect();
                                    let rows = listed
                                        .into_iter()
                                        .map(|entry| {
                                            let number = entry.version;
                                            let restored = entry
                                                .restored_from
                                                .map(|from| format!(" · restores version {from}"));
                                            view! {
                                                <li data-version=number>
                                                    <span class="version-number">{format!("v{number}")}</span>
                                                    <span class="version-message">{entry.message}</span>
                                                    <span class="muted version-facts">
                                                        <time datetime=entry.created_at.clone()>
                                                            {entry.created_at.clone()}
                                                        </time>
                                                        {format!(" · {} bytes", entry.size)}
                                                        {entry.saved_by.map(|account| format!(" · by {account}"))}
                                                        {restored}
                                                    </span>
                                                    <button
                                                        type="button"
                                                        aria-label=format!("Restore version {number}")
                                                        disabled=busy
                                                        on:click=move |_| {
                                                            if let Some(design) = current.get_untracked() {
                                                                open_to_restore
                                                                    .dispatch((
                                                                        design,
                                                                        number,
                                                                        message_field.get_untracked(),
                                                                    ));
                                                            }
                                                        }
                                                    >
                                                        "Restore"
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view();
                                    let options = move |selected: RwSignal<Option<u32>>, default: u32| {
                                        numbers
                                            .iter()
                                            .map(|&number| {
                                                view! {
                                                    <option
                                                        value=number.to_string()
                                                        selected=move || {
                                                            selected.get().unwrap_or(default) == number
                                                        }
                                                    >
                                                        {format!("Version {number}")}
                                                    </option>
                                                }
                                            })
                                            .collect_view()
                                    };
                                    let from_options = options(diff_from, default_from);
                                    let to_options = options(diff_to, default_to);
                                    let on_diff_submit = move |event: leptos::ev::SubmitEvent| {
                                        event.prevent_default();
                                        if let Some(design) = current.get_untracked() {
                                            diff.dispatch((
                                                design,
                                                diff_from.get_untracked().unwrap_or(default_from),
                                                diff_to.get_untracked().unwrap_or(default_to),
                                            ));
                                        }
                                    };
                                    view! {
                                        <ol class="versions" data-testid="versions">
                                            {rows}
                                        </ol>
                                        <form class="diff-pick" on:submit=on_diff_submit>
                                            <div class="field">
                                                <label for="diff-from">"Compare version"</label>
                                                <select
                                                    id="diff-from"
                                                    on:change=move |event| {
                                                        diff_from.set(event_target_value(&event).parse().ok())
                                                    }
                                                >
                                                    {from_options}
                                                </select>
                                            </div>
                                            <div class="field">
                                                <label for="diff-to">"with version"</label>
                                                <select
                                                    id="diff-to"
                                                    on:change=move |event| {
                                                        diff_to.set(event_target_value(&event).parse().ok())
                                                    }
                                                >
                                                    {to_options}
                                                </select>
                                            </div>
                                            <button type="submit" disabled=move || diff.pending().get()>
                                                "Show the diff"
                                            </button>
                                        </form>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
                {move || {
                    diff.value()
                        .get()
                        .map(|result| match result {
                            Ok(diff) => view! { <DiffView diff /> }.into_any(),
                            Err(error) => {
                                view! { <p role="alert" class="saved-error">{error.to_string()}</p> }.into_any()
                            }
                        })
                }}
            </section>
        </section>
    }
}

/// One `<option>` of the picker.
fn picker_option(entry: &SavedEntry) -> impl IntoView + use<> {
    let label = match entry {
        SavedEntry::Design { name, latest_version, updated_at, .. } => {
            format!("{name} (version {latest_version}, {updated_at})")
        }
        SavedEntry::StateMachine { name, machine_type, updated_at, .. } => {
            format!("{name} ({machine_type}, {updated_at})")
        }
    };
    view! { <option value=picker_key(entry)>{label}</option> }
}

/// A diff as a table: one row per line with both line numbers, hunks separated by headers.
#[component]
fn DiffView(diff: VersionDiff) -> impl IntoView {
    let summary = format!(
        "Version {} → version {}: {} line{} added, {} removed",
        diff.from,
        diff.to,
        diff.added,
        if diff.added == 1 { "" } else { "s" },
        diff.removed
    );
    let identical = diff.hunks.is_empty();
    let hunks = diff
        .hunks
        .into_iter()
        .map(|hunk| {
            let header = hunk.header();
            let lines = hunk
                .lines
                .into_iter()
                .map(|line| {
                    let marker = match line.kind {
                        LineKind::Same => " ",
                        LineKind::Added => "+",
                        LineKind::Removed => "-",
                    };
                    view! {
                        <tr class=format!("diff-{}", line.kind.as_str())>
                            <td class="line-number">{line.old_number}</td>
                            <td class="line-number">{line.new_number}</td>
                            <td class="diff-marker">{marker}</td>
                            <td class="diff-text">
                                <code>{line.text}</code>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <tbody>
                    <tr class="diff-hunk">
                        <th colspan="4" scope="rowgroup">
                            {header}
                        </th>
                    </tr>
                    {lines}
                </tbody>
            }
        })
        .collect_view();
    view! {
        <div class="version-diff" data-testid="version-diff">
            <p>{summary}</p>
            {if identical {
                view! { <p class="muted">"The two definitions are identical."</p> }.into_any()
            } else {
                view! {
                    <div class="diff-scroll">
                        <table class="diff">
                            <thead>
                                <tr>
                                    <th scope="col">"Old"</th>
                                    <th scope="col">"New"</th>
                                    <th scope="col">
                                        <span class="diff-legend">"±"</span>
                                    </th>
                                    <th scope="col">"Line"</th>
                                </tr>
                            </thead>
                            {hunks}
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </div>
    }
}
