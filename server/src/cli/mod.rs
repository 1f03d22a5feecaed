//! The command-line tools for deployment repositories: `validate`, `lint`, `fmt`, `graph` and `cost`,
//! and `run` (a mocked execution, in [`run`]). They read files, need no server, and exit
//! non-zero when a check fails.

pub mod run;

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context;
use asl::{
    Diagnostic, Document, Severity, SourceFormat,
    lint::{LintOptions, WorkflowType},
};
use clap::{Args, ValueEnum};

/// How findings are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `file:line:col: error[CODE]: message`, one per line.
    #[default]
    Text,
    /// One JSON document with every file's findings.
    Json,
}

/// `statehouse validate FILE…`
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Definition files (`.asl.json`, `.asl.yaml`, `.asl.yml`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// `statehouse lint FILE…`
#[derive(Args, Debug)]
pub struct LintArgs {
    /// Definition files.
    #[arg(value_name = "FILE", required_unless_present = "explain")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Lint as an EXPRESS workflow (at-least-once, no .sync or callbacks).
    #[arg(long)]
    pub express: bool,
    /// Print the documentation of one rule (or of all with `all`) and exit.
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,
    /// Apply the quick fixes known to resolve their findings (the lint rules' fixes) to each
    /// file, changing only what they touch, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// With --fix, also apply the likely corrections of misspelt fields, state names and state
    /// types (`Nxt` → `Next`). Check the diff: these are guesses.
    #[arg(long, requires = "fix")]
    pub fix_guesses: bool,
}

/// `statehouse fmt FILE…`
#[derive(Args, Debug)]
pub struct FmtArgs {
    /// JSON definition files to rewrite in the canonical layout (2-space indentation).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Change nothing; exit 1 when a file is not in the canonical layout.
    #[arg(long)]
    pub check: bool,
}

/// `statehouse graph FILE`
#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The definition file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// `dot` (Graphviz) or `json` (nodes, edges, groups and the laid-out positions).
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

/// What `statehouse cost --help` says about the assumptions file.
const COST_ASSUMPTIONS_HELP: &str = "\
Assumptions file (--assumptions FILE, JSON or YAML; every field optional):

  memory_mb: 64                # Express memory estimate, billed in 64 MB steps (default 64)
  task_duration_seconds: 0.2   # duration of every Task without its own (default 0)
  states:
    IsValid:  { choices: [0.9, 0.05] }   # Choice: one probability per rule, in order;
                                         # Default gets the rest (unset: all equally likely)
    Charge:   { failure_rate: 0.02, duration_seconds: 1.5, error: States.Timeout }
                                         # Task/Parallel/Map: each attempt fails with this
                                         # probability; the retrier and catcher that match
                                         # `error` (unset: the first ones) decide what follows
    EachLine: { items: 12 }              # Map: item count, or { min: 1, max: 40 } (uniform)
    Pause:    { duration_seconds: 30 }   # Wait without Seconds (Wait with Seconds uses it)

Billing as AWS bills: every state entered is a transition (Succeed, Fail and Choice
included) and every retry another; Distributed Map children are billed as their
ProcessorConfig.ExecutionType; Express rounds duration up to 100 ms. Prices: the Standard
table of aws.amazon.com/step-functions/pricing (18 regions); Express prices for us-east-1 only.";

/// `statehouse cost FILE --executions-per-month N`
#[derive(Args, Debug)]
#[command(after_long_help = COST_ASSUMPTIONS_HELP)]
pub struct CostArgs {
    /// The definition file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Executions started a month.
    #[arg(long, value_name = "N")]
    pub executions_per_month: u64,
    /// The AWS region whose prices apply.
    #[arg(long, value_name = "R", default_value = "us-east-1")]
    pub region: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CostFormat,
    /// The type the state machine is created as (marked in the output; both are estimated).
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub workflow_type: Option<CostWorkflowType>,
    /// Choice probabilities, failure rates, durations, Map items, memory (see below).
    #[arg(long, value_name = "FILE")]
    pub assumptions: Option<PathBuf>,
    /// Monte Carlo runs for p50 and p95.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub simulations: u32,
    /// Monte Carlo seed (the same seed gives the same figures).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
}

/// How `statehouse cost` prints its estimate (an invalid definition's errors are printed as
/// `validate` prints them, in the same format).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CostFormat {
    /// A table: Standard and Express side by side, the Monte Carlo p50/p95 and the costliest
    /// states.
    #[default]
    Text,
    /// One JSON document with the estimate: both types, the Monte Carlo figures and the
    /// costliest states.
    Json,
}

impl CostFormat {
    /// The format for findings that stop the estimate.
    fn findings(self) -> OutputFormat {
        match self {
            CostFormat::Text => OutputFormat::Text,
            CostFormat::Json => OutputFormat::Json,
        }
    }
}

/// `--type` of `statehouse cost`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CostWorkflowType {
    /// STANDARD.
    Standard,
    /// EXPRESS.
    Express,
}

/// Output of `statehouse graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// JSON.
    Json,
}

struct Checked {
    path: PathBuf,
    document: Option<Document>,
    diagnostics: Vec<Diagnostic>,
}

/// Reads a file as text, skipping a leading UTF-8 byte-order mark (editors on Windows write
/// one; it is not part of the JSON or YAML). Every tool reads its files through this.
fn read_text(path: &Path) -> std::io::Result<String> {
    let text = std::fs::read_to_string(path)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// The finding for a file that cannot be read, at its start (`file:1:1`).
fn unreadable(error: &std::io::Error) -> Diagnostic {
    let mut diagnostic = Diagnostic::error("FILE_UNREADABLE", "", format!("cannot read the file: {error}"));
    diagnostic.line = 1;
    diagnostic.column = 1;
    diagnostic
}

/// Prints one finding as `file:line:col: severity[CODE]: message`.
fn write_diagnostic(path: &Path, diagnostic: &Diagnostic, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}:{}:{}: {}[{}]: {}",
        path.display(),
        diagnostic.line,
        diagnostic.column,
        diagnostic.severity.as_str(),
        diagnostic.code,
        diagnostic.message
    )
}

/// Reads and validates a definition file, as `validate` does.
fn read_file(path: &Path) -> Checked {
    match read_text(path) {
        Ok(text) => {
            let format = SourceFormat::from_file_name(&path.to_string_lossy());
            let (document, diagnostics) = asl::parse_as(&text, format);
            Checked { path: path.to_path_buf(), document: Some(document), diagnostics }
        }
        Err(error) => Checked { path: path.to_path_buf(), document: None, diagnostics: vec![unreadable(&error)] },
    }
}

/// Runs `validate`: exit 1 when any file has an error.
pub fn validate(args: &ValidateArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let checked: Vec<Checked> = args.files.iter().map(|path| read_file(path)).collect();
    report(&checked, args.format, out)
}

/// Runs `lint`: the validation errors plus the lint warnings; exit 1 when any file has an error.
pub fn lint(args: &LintArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    if let Some(code) = &args.explain {
        return explain(code, out);
    }
    let options =
        LintOptions { workflow_type: if args.express { WorkflowType::Express } else { WorkflowType::Standard } };
    if args.fix {
        for path in &args.files {
            fix_file(path, &options, args.fix_guesses, args.format, out)?;
        }
    }
    let mut checked: Vec<Checked> = args.files.iter().map(|path| read_file(path)).collect();
    for file in &mut checked {
        if let Some(document) = &file.document {
            file.diagnostics.extend(lint_warnings(document, &options));
        }
    }
    report(&checked, args.format, out)
}

/// The lint warnings of a document that could be read, with their places.
fn lint_warnings(document: &Document, options: &LintOptions) -> Vec<Diagnostic> {
    let Some(root) = document.root() else { return Vec::new() };
    let mut warnings = asl::lint::lint(root, options);
    document.locate(&mut warnings);
    warnings
}

/// Applies the file's quick fixes (`asl::fix::apply_all`) and writes the file once if
/// anything changed, changing only what the fixes touched. Prints what was applied (in text
/// output).
fn fix_file(
    path: &Path,
    options: &LintOptions,
    guesses: bool,
    format: OutputFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    // Written back without a byte-order mark, if it had one.
    let Ok(original) = read_text(path) else {
        return Ok(()); // Reported as unreadable by the check that follows.
    };
    let source_format = SourceFormat::from_file_name(&path.to_string_lossy());
    let (document, _) = Document::read(&original, source_format);
    let Some(root) = document.root() else { return Ok(()) };
    let fixed = asl::fix::apply_all(root, options, guesses);
    if fixed.applied.is_empty() {
        return Ok(());
    }
    let (text, _) = asl::reprint::reprint_in_format(&fixed.root, root, &original, source_format);
    write_atomically(path, &text)?;
    if format == OutputFormat::Text {
        for title in &fixed.applied {
            writeln!(out, "{}: fixed: {title}", path.display())?;
        }
    }
    Ok(())
}

fn explain(code: &str, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let rules: Vec<_> = if code.eq_ignore_ascii_case("all") {
        asl::lint::RULES.iter().collect()
    } else {
        asl::lint::rule(&code.to_ascii_uppercase()).into_iter().collect()
    };
    if rules.is_empty() {
        let known: Vec<&str> = asl::lint::RULES.iter().map(|rule| rule.code).collect();
        anyhow::bail!("no lint rule is called {code:?}; the rules are: {}", known.join(", "));
    }
    for rule in rules {
        writeln!(
            out,
            "{}: {}\n\n  Why: {}\n  Fix: {}\n\n  Example:\n{}\n",
            rule.code,
            rule.summary,
            rule.why,
            rule.fix,
            indent(rule.example, "    ")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|line| format!("{prefix}{line}")).collect::<Vec<_>>().join("\n")
}

fn report(checked: &[Checked], format: OutputFormat, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let failed =
        checked.iter().any(|file| file.diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error));
    match format {
        OutputFormat::Text => {
            let (mut errors, mut warnings) = (0, 0);
            for file in checked {
                // In the order of the file, as a compiler lists them (validation and lint each
                // find in their own order); the sort is stable, so one place keeps that order.
                let mut diagnostics: Vec<&Diagnostic> = file.diagnostics.iter().collect();
                asl::sort::sort_by(&mut diagnostics, |left, right| {
                    (left.line, left.column).cmp(&(right.line, right.column))
                });
                for diagnostic in diagnostics {
                    match diagnostic.severity {
                        Severity::Error => errors += 1,
                        Severity::Warning => warnings += 1,
                    }
                    write_diagnostic(&file.path, diagnostic, out)?;
                    // A guess on an error is a misspelling's correction; on a warning, a fix
                    // that changes what the workflow does, which `--fix` leaves to a person.
                    match &diagnostic.fix {
                        Some(fix) if fix.guess && diagnostic.severity == Severity::Warning => {
                            writeln!(out, "  = fix, to confirm (changes behaviour): {}", fix.title)?
                        }
                        Some(fix) if fix.guess => writeln!(out, "  = did you mean: {}?", fix.title)?,
                        Some(fix) => writeln!(out, "  = fix: {}", fix.title)?,
                        None => {}
                    }
                }
            }
            writeln!(out, "{} file(s) checked: {errors} error(s), {warnings} warning(s)", checked.len())?;
        }
        OutputFormat::Json => {
            let files: Vec<serde_json::Value> = checked
                .iter()
                .map(|file| {
                    serde_json::json!({
                        "file": file.path.display().to_string(),
                        "diagnostics": file.diagnostics.iter().map(diagnostic_json).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "ok": !failed, "files": files }))?;
            writeln!(out)?;
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn diagnostic_json(diagnostic: &Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "severity": diagnostic.severity.as_str(),
        "code": diagnostic.code,
        "message": diagnostic.message,
        "pointer": diagnostic.pointer,
        "location": diagnostic.location,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "fix": diagnostic.fix.as_ref().map(|fix| serde_json::json!({
            "title": fix.title,
            "guess": fix.guess,
            "edits": fix.edits.iter().map(|edit| match edit {
                asl::FixEdit::Set { pointer, value } => serde_json::json!({ "set": pointer, "value": value }),
                asl::FixEdit::Remove { pointer } => serde_json::json!({ "remove": pointer }),
                asl::FixEdit::Append { pointer, value } => serde_json::json!({ "append": pointer, "value": value }),
                asl::FixEdit::Rename { pointer, to } => serde_json::json!({ "rename": pointer, "to": to }),
            }).collect::<Vec<_>>(),
        })),
    })
}

/// Runs `fmt`: rewrites JSON files in the canonical layout, or with `--check` reports them.
pub fn fmt(args: &FmtArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let mut unformatted = 0;
    let mut unreadable_files = 0;
    for path in &args.files {
        // An unreadable file is reported and the others are still formatted.
        let original = match std::fs::read_to_string(path) {
            Ok(original) => original,
            Err(error) => {
                write_diagnostic(path, &unreadable(&error), out)?;
                unreadable_files += 1;
                continue;
            }
        };
        // A leading byte-order mark is read past and dropped: the canonical layout has none,
        // so a file with one is rewritten without it (and fails --check).
        let text = original.strip_prefix('\u{feff}').unwrap_or(&original);
        if SourceFormat::from_file_name(&path.to_string_lossy()) == SourceFormat::Yaml {
            writeln!(out, "{}: skipped: fmt formats JSON definitions only", path.display())?;
            continue;
        }
        let (document, diagnostics) = Document::read(text, SourceFormat::Json);
        let Some(formatted) = document.to_canonical_json() else {
            write_diagnostic(path, &diagnostics[0], out)?;
            unreadable_files += 1;
            continue;
        };
        if formatted == original {
            continue;
        }
        unformatted += 1;
        if args.check {
            writeln!(out, "{}: not in the canonical layout (run `statehouse fmt {}`)", path.display(), path.display())?;
        } else {
            write_atomically(path, &formatted)?;
            writeln!(out, "{}: formatted", path.display())?;
        }
    }
    let failed = unreadable_files > 0 || (args.check && unformatted > 0);
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Writes through a temporary file in the same folder and renames it over the original, so
/// an interrupted write never leaves half a definition behind.
fn write_atomically(path: &Path, contents: &str) -> anyhow::Result<()> {
    let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.statehouse-fmt"));
    std::fs::write(&temporary, contents).with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("replacing {}", path.display()))
}

/// Runs `graph`: prints the graph as DOT or JSON.
pub fn graph(args: &GraphArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let text = read_text(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let format = SourceFormat::from_file_name(&args.file.to_string_lossy());
    let (document, diagnostics) = Document::read(&text, format);
    let Some(root) = document.root() else {
        write_diagnostic(&args.file, &diagnostics[0], out)?;
        return Ok(ExitCode::FAILURE);
    };
    let graph = asl::graph::graph(root);
    match args.format {
        GraphFormat::Dot => write_dot(&graph, out)?,
        GraphFormat::Json => {
            let mut json = graph_json(&graph);
            json["layout"] = layout_json(&asl::graph::layout(&graph));
            serde_json::to_writer_pretty(&mut *out, &json)?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `text` as a DOT quoted string: backslashes and double quotes escaped, and line breaks
/// written as `\n` and `\r` (line breaks in a label), so every statement stays on one line.
fn dot_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

fn write_dot(graph: &asl::graph::Graph, out: &mut dyn Write) -> anyhow::Result<()> {
    use asl::graph::{EdgeKind, NodeKind};
    writeln!(out, "digraph statemachine {{")?;
    writeln!(out, "  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];")?;
    // Groups become nested clusters.
    fn write_group(
        graph: &asl::graph::Graph,
        group: Option<usize>,
        depth: usize,
        out: &mut dyn Write,
    ) -> anyhow::Result<()> {
        let pad = "  ".repeat(depth);
        for node in graph.nodes.iter().filter(|node| node.group == group) {
            let (shape, style) = match &node.kind {
                NodeKind::Start | NodeKind::End => ("circle", "filled"),
                NodeKind::State { state_type, .. } => match state_type.as_str() {
                    "Choice" => ("diamond", "solid"),
                    "Succeed" => ("box", "rounded,bold"),
                    "Fail" => ("box", "rounded,filled"),
                    "Wait" => ("box", "rounded,dashed"),
                    _ => ("box", "rounded"),
                },
            };
            writeln!(
                out,
                "{pad}{} [label={}, shape={shape}, style=\"{style}\"];",
                dot_quote(&node.id),
                dot_quote(&node.label)
            )?;
        }
        for (index, child) in graph.groups.iter().enumerate().filter(|(_, child)| child.parent == group) {
            writeln!(out, "{pad}subgraph {} {{", dot_quote(&format!("cluster_{index}")))?;
            writeln!(out, "{pad}  label={};", dot_quote(&child.label))?;
            write_group(graph, Some(index), depth + 1, out)?;
            writeln!(out, "{pad}}}")?;
        }
        Ok(())
    }
    write_group(graph, None, 1, out)?;
    for edge in &graph.edges {
        let style = match edge.kind {
            EdgeKind::Catch(_) => ", style=dashed, color=\"#c0392b\"",
            EdgeKind::Default => ", style=dotted",
            _ => "",
        };
        writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            dot_quote(&edge.from),
            dot_quote(&edge.to),
            dot_quote(&edge.label)
        )?;
    }
    writeln!(out, "}}")?;
    Ok(())
}

fn layout_json(layout: &asl::layout::Layout) -> serde_json::Value {
    let boxes = |id: &str, x: f64, y: f64, width: f64, height: f64| serde_json::json!({ "id": id, "x": x, "y": y, "width": width, "height": height });
    serde_json::json!({
        "width": layout.width,
        "height": layout.height,
        "nodes": layout.nodes.iter().map(|node| boxes(&node.id, node.x, node.y, node.width, node.height)).collect::<Vec<_>>(),
        "groups": layout.groups.iter().map(|group| boxes(&group.id, group.x, group.y, group.width, group.height)).collect::<Vec<_>>(),
        "edges": layout.edges.iter().map(|edge| serde_json::json!({
            "from": edge.from,
            "to": edge.to,
            "points": edge.points.iter().map(|point| [point.x, point.y]).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn graph_json(graph: &asl::graph::Graph) -> serde_json::Value {
    use asl::graph::{EdgeKind, GroupKind, NodeKind};
    serde_json::json!({
        "nodes": graph.nodes.iter().map(|node| {
            let (kind, state_type, language) = match &node.kind {
                NodeKind::Start => ("start", None, None),
                NodeKind::End => ("end", None, None),
                NodeKind::State { state_type, query_language } => ("state", Some(state_type.clone()), Some(query_language.clone())),
            };
            serde_json::json!({ "id": node.id, "label": node.label, "kind": kind, "type": state_type, "queryLanguage": language, "group": node.group.map(|group| &graph.groups[group].id) })
        }).collect::<Vec<_>>(),
        "edges": graph.edges.iter().map(|edge| {
            let kind = match edge.kind {
                EdgeKind::Next => "next".to_string(),
                EdgeKind::Default => "default".to_string(),
                EdgeKind::Enter => "enter".to_string(),
                EdgeKind::Choice(index) => format!("choice:{index}"),
                EdgeKind::Catch(index) => format!("catch:{index}"),
            };
            serde_json::json!({ "from": edge.from, "to": edge.to, "kind": kind, "label": edge.label })
        }).collect::<Vec<_>>(),
        "groups": graph.groups.iter().map(|group| {
            let kind = match group.kind {
                GroupKind::Parallel => "parallel".to_string(),
                GroupKind::Map => "map".to_string(),
                GroupKind::Branch(index) => format!("branch:{index}"),
            };
            serde_json::json!({ "id": group.id, "label": group.label, "kind": kind, "parent": group.parent.map(|parent| &graph.groups[parent].id) })
        }).collect::<Vec<_>>(),
    })
}

/// Runs `cost`: the monthly estimate for Standard and Express side by side.
pub fn cost(args: &CostArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let checked = read_file(&args.file);
    let has_errors = checked.diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error);
    let root = checked.document.as_ref().and_then(Document::root);
    let Some(root) = root.filter(|_| !has_errors) else {
        return report(&[checked], args.format.findings(), out);
    };
    let definition = root.to_serde();
    let assumptions = match &args.assumptions {
        None => asl::cost::Assumptions::default(),
        Some(path) => read_assumptions(path)?,
    };
    let options = asl::cost::Options {
        executions_per_month: args.executions_per_month,
        region: args.region.clone(),
        simulations: args.simulations,
        seed: args.seed,
    };
    let estimate = asl::cost::estimate_definition(&definition, &assumptions, &options)
        .with_context(|| format!("estimating {}", args.file.display()))?;
    let chosen = args.workflow_type.map(|kind| match kind {
        CostWorkflowType::Standard => "standard",
        CostWorkflowType::Express => "express",
    });
    match args.format {
        CostFormat::Json => {
            let mut json = estimate.to_json();
            json["file"] = serde_json::json!(args.file.display().to_string());
            json["workflow_type"] = serde_json::json!(chosen);
            serde_json::to_writer_pretty(&mut *out, &json)?;
            writeln!(out)?;
        }
        CostFormat::Text => write_cost_table(args, &estimate, chosen, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn read_assumptions(path: &Path) -> anyhow::Result<asl::cost::Assumptions> {
    let text = read_text(path).with_context(|| format!("reading the assumptions {}", path.display()))?;
    let (document, diagnostics) = Document::read(&text, SourceFormat::from_file_name(&path.to_string_lossy()));
    let Some(root) = document.root() else {
        let diagnostic = &diagnostics[0];
        // The reader words its syntax errors for a definition; this file is the assumptions.
        let message = match diagnostic.message.strip_prefix("the definition ") {
            Some(rest) => format!("the assumptions file {rest}"),
            None => diagnostic.message.clone(),
        };
        anyhow::bail!("{}:{}:{}: {message}", path.display(), diagnostic.line, diagnostic.column);
    };
    asl::cost::Assumptions::from_value(&root.to_serde()).with_context(|| format!("in {}", path.display()))
}

fn dollars(amount: f64) -> String {
    let cents = (amount * 100.0).round() as u64;
    format!("${}.{:02}", thousands(cents / 100), cents % 100)
}

fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

fn write_cost_table(
    args: &CostArgs,
    estimate: &asl::cost::Estimate,
    chosen: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    use asl::lint::WorkflowType as Type;
    let standard = &estimate.standard;
    let express = estimate.express.as_ref();
    let mark = |kind: Type, name: &str| {
        let mut label = name.to_string();
        if chosen == Some(&*name.to_ascii_lowercase()) {
            label.push_str(" (yours)");
        }
        if estimate.cheaper == Some(kind) {
            label.push_str(" *cheaper*");
        }
        label
    };
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "{}: {} executions a month in {} ({})\n",
        args.file.display(),
        thousands(estimate.executions_per_month),
        estimate.prices.region,
        estimate.prices.name
    )?;
    let rows: Vec<(&str, String, String)> = vec![
        ("", mark(Type::Standard, "STANDARD"), mark(Type::Express, "EXPRESS")),
        ("Transitions per execution", format!("{:.2}", standard.transitions_per_execution), "(not billed)".into()),
        ("Transitions a month", thousands(standard.monthly_transitions.round() as u64), "-".into()),
        (
            "Requests a month",
            "-".into(),
            or_dash(express.map(|express| thousands(express.monthly_requests.round() as u64))),
        ),
        (
            "Billed duration, memory",
            "-".into(),
            or_dash(
                express.map(|express| {
                    format!("{:.0} ms, {} MB", express.mean_billed_duration_ms, express.billed_memory_mb)
                }),
            ),
        ),
        ("GB-hours a month", "-".into(), or_dash(express.map(|express| format!("{:.2}", express.monthly_gb_hours)))),
        ("Before the free tier", dollars(standard.monthly_cost_before_free_tier_usd), "-".into()),
        (
            "Monthly cost",
            dollars(standard.monthly_cost_usd),
            or_dash(express.map(|express| dollars(express.monthly_cost_usd))),
        ),
        (
            "Cost per execution",
            format!("${:.7}", standard.cost_per_execution_usd),
            or_dash(express.map(|express| format!("${:.7}", express.cost_per_execution_usd))),
        ),
    ];
    for (label, standard_cell, express_cell) in rows {
        writeln!(out, "  {label:<27}{standard_cell:<26}{express_cell}")?;
    }
    if express.is_none() {
        writeln!(out, "  (no Express prices are recorded for {}; only us-east-1 has them)", estimate.prices.region)?;
    }
    let children = &estimate.children;
    if children.standard_transitions_per_execution > 0.0 || children.express_requests_per_execution > 0.0 {
        writeln!(
            out,
            "  Distributed Map children per execution: {:.2} Standard transitions, {:.2} Express executions (in both columns)",
            children.standard_transitions_per_execution, children.express_requests_per_execution
        )?;
    }
    let monte_carlo = &estimate.monte_carlo;
    writeln!(
        out,
        "\nMonte Carlo ({} runs, seed {}): transitions p50 {}, p95 {} (mean {:.2}); duration p50 {:.2} s, p95 {:.2} s; failed {:.1}%",
        thousands(u64::from(monte_carlo.simulations)),
        monte_carlo.seed,
        monte_carlo.p50_transitions,
        monte_carlo.p95_transitions,
        monte_carlo.mean_transitions,
        monte_carlo.p50_duration_seconds,
        monte_carlo.p95_duration_seconds,
        monte_carlo.failed_share * 100.0
    )?;
    writeln!(out, "\nCostliest states (transitions per execution, share, Standard a month before the free tier):")?;
    for state in &estimate.costliest_states {
        writeln!(
            out,
            "  {:<30}{:>10.2}{:>8.1}%{:>14}",
            state.name,
            state.transitions_per_execution,
            state.share * 100.0,
            dollars(state.monthly_standard_cost_usd)
        )?;
    }
    Ok(())
}
