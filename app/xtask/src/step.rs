//! Running commands with visible progress: each step announces itself and reports its time.

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

/// Runs `work` as a named step, printing a header before and the elapsed time after.
pub fn step<T>(title: &str, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    eprintln!("\n==> {title}");
    let started = Instant::now();
    let result = work();
    let elapsed = started.elapsed();
    match &result {
        Ok(_) => eprintln!("==> {title}: done in {}", human(elapsed)),
        Err(_) => eprintln!("==> {title}: FAILED after {}", human(elapsed)),
    }
    result.with_context(|| format!("step failed: {title}"))
}

/// Formats a duration as minutes and seconds.
pub fn human(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        format!("{}m{:02.0}s", (seconds / 60.0) as u64, seconds % 60.0)
    }
}

/// Runs a command to completion, failing with its command line when it exits non-zero.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let description = describe(command);
    let status = command.status().with_context(|| format!("starting `{description}`"))?;
    if !status.success() {
        bail!("`{description}` failed ({status})");
    }
    Ok(())
}

/// Runs a command and returns its standard output, failing when it exits non-zero.
pub fn output(command: &mut Command) -> anyhow::Result<String> {
    let description = describe(command);
    let output = command.output().with_context(|| format!("starting `{description}`"))?;
    if !output.status.success() {
        bail!("`{description}` failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim());
    }
    String::from_utf8(output.stdout).with_context(|| format!("`{description}` printed non-UTF-8 output"))
}

/// Whether a program can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Replaces this process's job with the server: runs it in the foreground until it exits.
pub fn exec_server(server: &Path, args: &[String]) -> anyhow::Result<()> {
    eprintln!("\n==> starting {} {}", server.display(), args.join(" "));
    let status = Command::new(server).args(args).status().with_context(|| format!("starting {}", server.display()))?;
    if !status.success() {
        bail!("statehouse exited with {status}");
    }
    Ok(())
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
