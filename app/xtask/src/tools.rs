//! Installs what the build and the tests need when it is missing, and skips what is there.
//!
//! Everything comes from a package registry this project can reach: the wasm32 target from
//! rustup, npm packages (Playwright and `binaryen` for `wasm-opt` in `end2end/`; CodeMirror
//! and esbuild in `app/editor/`) from npm, and Chromium from Debian. Nothing downloads a
//! binary of its own at run time.

use std::{path::Path, process::Command};

use anyhow::{Context, bail};

use crate::{
    build::Workspace,
    step::{on_path, output, run, step},
};

/// The Rust target the browser bundle is compiled for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Where Debian installs Chromium; the browser tests drive exactly this binary.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The wasm32 target and the npm packages (Playwright and wasm-opt; CodeMirror and esbuild).
pub fn ensure_build_tools(workspace: &Workspace) -> anyhow::Result<()> {
    ensure_wasm_target()?;
    ensure_node()?;
    ensure_npm_packages(&workspace.end2end_dir())?;
    ensure_npm_packages(&workspace.editor_dir())
}

/// Python 3 with `venv` and `pip`, from Debian: the tests install boto3 and the AWS CLI
/// from PyPI into a virtual environment of their own.
pub fn ensure_python_venv() -> anyhow::Result<()> {
    let works = Command::new("python3")
        .args(["-m", "venv", "--help"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    let has_ensurepip = Command::new("python3")
        .args(["-c", "import ensurepip"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if works && has_ensurepip {
        return Ok(());
    }
    step("installing Python's venv and pip from Debian", || apt_install(&["python3", "python3-venv", "python3-pip"]))
}

/// Debian's Chromium, for the browser tests.
pub fn ensure_browser() -> anyhow::Result<()> {
    if Path::new(CHROMIUM).is_file() {
        return Ok(());
    }
    step("installing Chromium from Debian (apt-get install chromium chromium-driver)", || {
        apt_install(&["chromium", "chromium-driver"])
    })
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("asking rustup for the installed targets (is rustup on PATH?)")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    step(&format!("installing the {WASM_TARGET} target (rustup)"), || {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
    })
}

fn ensure_node() -> anyhow::Result<()> {
    if on_path("node") && on_path("npm") {
        return Ok(());
    }
    step("installing Node.js and npm from Debian", || apt_install(&["nodejs", "npm"]))
}

/// `npm ci` in `folder` (`end2end/`, `app/editor/`, …) unless its `node_modules` is at least as
/// new as its `package-lock.json`.
pub fn ensure_npm_packages(folder: &Path) -> anyhow::Result<()> {
    let lock = folder.join("package-lock.json");
    let installed_marker = folder.join("node_modules/.package-lock.json");
    let up_to_date = match (std::fs::metadata(&lock), std::fs::metadata(&installed_marker)) {
        (Ok(lock), Ok(marker)) => match (lock.modified(), marker.modified()) {
            (Ok(lock_time), Ok(marker_time)) => marker_time >= lock_time,
            _ => false,
        },
        _ => false,
    };
    if up_to_date {
        return Ok(());
    }
    step(&format!("installing the npm packages in {} (npm ci)", folder.display()), || {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(folder)
            // Playwright must use Debian's Chromium; it may not fetch a browser of its own.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
    })
}

/// `apt-get update` then `apt-get install -y PACKAGES`, through sudo when not root.
fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    if !on_path("apt-get") {
        bail!("cannot install {packages:?}: this machine has no apt-get; install them by hand");
    }
    let is_root = output(Command::new("id").arg("-u")).map(|uid| uid.trim() == "0").unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut command = if is_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq"]);
    install.args(packages);
    run(&mut install)
}
