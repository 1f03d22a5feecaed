//! Building: the wasm bundle (cargo, wasm-bindgen as a library, wasm-opt), the designer's code
//! editor (CodeMirror from npm, bundled by esbuild), the site folder, the server binary, and the
//! format, lint and Rust-test checks.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};

use crate::{
    step::{output, run, step},
    tools::{WASM_TARGET, ensure_npm_packages},
};

/// The name of the generated JavaScript, wasm and stylesheet files (`app::OUTPUT_NAME`).
pub const OUTPUT_NAME: &str = "statehouse";

/// The name of the designer's JavaScript and wasm files (`app::DESIGNER_OUTPUT_NAME`).
pub const DESIGNER_OUTPUT_NAME: &str = "statehouse-designer";

/// The name of the designer's simulator module (`app::SIMULATOR_OUTPUT_NAME`), loaded on the
/// designer's first run of a state.
pub const SIMULATOR_OUTPUT_NAME: &str = "statehouse-simulator";

/// The editor bundle's file name in `<site>/pkg/`; the page shell loads `/pkg/statehouse-editor.js`.
const EDITOR_BUNDLE: &str = "statehouse-editor.js";

/// Which server build to make. The browser bundle is always size-optimised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// `target/debug`: quick to compile, what the tests use.
    Debug,
    /// `target/release`: what `cargo xtask run` serves.
    Release,
}

impl Profile {
    fn directory(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// The workspace's folders.
#[derive(Clone, Debug)]
pub struct Workspace {
    root: PathBuf,
    target: PathBuf,
}

impl Workspace {
    /// Finds the workspace root and cargo's target folder (honouring `CARGO_TARGET_DIR`).
    pub fn locate() -> anyhow::Result<Self> {
        let metadata = output(Command::new(cargo()).args(["metadata", "--format-version", "1", "--no-deps"]))?;
        let metadata: serde_json::Value = serde_json::from_str(&metadata).context("reading `cargo metadata`")?;
        let field = |name: &str| {
            metadata[name].as_str().map(PathBuf::from).with_context(|| format!("`cargo metadata` has no {name}"))
        };
        Ok(Self { root: field("workspace_root")?, target: field("target_directory")? })
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Cargo's target folder.
    pub fn target_dir(&self) -> &Path {
        &self.target
    }

    /// `end2end/`, with the npm packages and the browser tests.
    pub fn end2end_dir(&self) -> PathBuf {
        self.root.join("end2end")
    }

    /// `app/editor/`, the designer's code editor (CodeMirror) and its npm packages.
    pub fn editor_dir(&self) -> PathBuf {
        self.root.join("app/editor")
    }

    fn server_binary(&self, profile: Profile) -> PathBuf {
        self.target.join(profile.directory()).join("statehouse")
    }

    /// The site folder the server of `profile` serves.
    pub fn site_dir(&self, profile: Profile) -> PathBuf {
        self.target.join(profile.directory()).join("site")
    }
}

/// Builds the site folder (bundle, stylesheet, public files) and the server; returns the binary.
pub fn build_all(workspace: &Workspace, profile: Profile) -> anyhow::Result<PathBuf> {
    let site = workspace.site_dir(profile);
    step("building the browser bundle (wasm32, profile wasm-release)", || build_bundle(workspace, &site))?;
    step(&format!("building the server ({})", profile.directory()), || {
        let mut command = Command::new(cargo());
        command.current_dir(workspace.root()).args(["build", "--package", "server", "--bin", "statehouse"]);
        if profile == Profile::Release {
            command.arg("--release");
        }
        run(&mut command)
    })?;
    Ok(workspace.server_binary(profile))
}

/// Builds the site folder that the server of `profile` serves: bundle, stylesheet, public files.
pub fn build_site(workspace: &Workspace, profile: Profile) -> anyhow::Result<()> {
    let site = workspace.site_dir(profile);
    step("building the browser bundle (wasm32, profile wasm-release)", || build_bundle(workspace, &site))
}

fn build_bundle(workspace: &Workspace, site: &Path) -> anyhow::Result<()> {
    let pkg = site.join("pkg");
    if site.exists() {
        fs::remove_dir_all(site).with_context(|| format!("clearing {}", site.display()))?;
    }
    fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;

    // Two bundles: the designer's page loads the designer's, every other page the other one
    // (see `app::DESIGNER_OUTPUT_NAME`); and the simulator, which the designer loads on first
    // use. Each cargo build leaves its wasm at the same path, so each is run through
    // wasm-bindgen before the next build.
    for (features, name) in
        [(None, OUTPUT_NAME), (Some("designer"), DESIGNER_OUTPUT_NAME), (Some("simulator"), SIMULATOR_OUTPUT_NAME)]
    {
        let mut cargo = Command::new(cargo());
        cargo.current_dir(workspace.root());
        cargo.args(["build", "--package", "statehouse-hydrate", "--target", WASM_TARGET, "--profile", "wasm-release"]);
        if let Some(features) = features {
            cargo.args(["--no-default-features", "--features", features]);
        }
        run(&mut cargo)?;
        let compiled = workspace.target.join(WASM_TARGET).join("wasm-release").join("statehouse_hydrate.wasm");
        let wasm = bindgen(&compiled, &pkg, name)?;
        let before = file_size(&wasm)?;
        optimise_wasm(workspace, &wasm)?;
        let after = file_size(&wasm)?;
        eprintln!("    wasm ({name}): {} KiB after bindgen, {} KiB after wasm-opt -Oz", before / 1024, after / 1024);
    }

    build_editor(workspace, &pkg.join(EDITOR_BUNDLE))?;

    fs::copy(workspace.root().join("style/main.css"), pkg.join(format!("{OUTPUT_NAME}.css")))
        .context("copying style/main.css")?;
    precompress(workspace, &pkg)?;
    copy_dir(&workspace.root().join("public"), site)
}

/// Writes a gzip copy (`NAME.gz`) beside every wasm, JavaScript and CSS file under `pkg` (the
/// bindgen snippets' folders too), which the server sends to browsers that accept gzip. Zopfli
/// makes files that any gzip reader reads, about 5 % smaller than `gzip -9`'s, at a few seconds
/// per megabyte, paid once per build. It is Google's C zopfli compiled to wasm (npm
/// `@gfx/zopfli`, run by `end2end/tools/gzip.mjs`): the Rust port made the designer's wasm 3 KB
/// larger at the same settings. A file that gzip would not make smaller gets no copy.
fn precompress(workspace: &Workspace, pkg: &Path) -> anyhow::Result<()> {
    let mut folders = vec![pkg.to_path_buf()];
    let mut files = Vec::new();
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))? {
            let path = entry.with_context(|| format!("reading {}", folder.display()))?.path();
            if path.is_dir() {
                folders.push(path);
            } else if matches!(path.extension().and_then(|ext| ext.to_str()), Some("wasm" | "js" | "css")) {
                files.push(path);
            }
        }
    }
    files.sort();
    let end2end = workspace.end2end_dir();
    let script = end2end.join("tools/gzip.mjs");
    ensure_npm_packages(&end2end)?;
    // One line per file: its size, its copy's size (`-` for none), its path.
    let report = output(Command::new("node").current_dir(&end2end).arg(&script).args(&files))?;
    for line in report.lines() {
        let mut fields = line.splitn(3, ' ');
        let (Some(size), Some(shipped), Some(file)) = (fields.next(), fields.next(), fields.next()) else {
            bail!("{} printed an unexpected line: {line:?}", script.display());
        };
        let (Ok(size), Ok(shipped)) = (size.parse::<u64>(), shipped.parse::<u64>()) else { continue };
        // Sizes are printed for the files that matter, not for a few bytes of snippet.
        if size >= 1024 {
            let name = Path::new(file).strip_prefix(pkg).unwrap_or(Path::new(file)).display().to_string();
            eprintln!("    {name}: {} KiB, {} KiB sent gzipped", size / 1024, shipped / 1024);
        }
    }
    Ok(())
}

/// The path of `file`'s gzip copy: `NAME.gz` beside it, where the server looks for it.
pub fn gzip_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

/// Bundles `app/editor/src/editor.js` and its npm packages into one minified script at `bundle`
/// (an IIFE that defines `window.StatehouseEditor`), installing the packages first if needed.
fn build_editor(workspace: &Workspace, bundle: &Path) -> anyhow::Result<()> {
    let editor = workspace.editor_dir();
    ensure_npm_packages(&editor)?;
    let esbuild = editor.join("node_modules/.bin/esbuild");
    if !esbuild.is_file() {
        bail!("{} is missing: run `cargo xtask setup`", esbuild.display());
    }
    run(Command::new(&esbuild)
        .current_dir(&editor)
        .args(["src/editor.js", "--bundle", "--format=iife", "--minify", "--target=es2020", "--log-level=warning"])
        .arg(format!("--outfile={}", bundle.display())))?;
    Ok(())
}

/// Runs wasm-bindgen (the library, for the web target) on `compiled`, writing `out_name.js` and
/// `out_name_bg.wasm` into `out_dir`; returns the path of the wasm file.
pub fn bindgen(compiled: &Path, out_dir: &Path, out_name: &str) -> anyhow::Result<PathBuf> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(compiled)
        .out_name(out_name)
        .web(true)
        .context("choosing wasm-bindgen's web target")?
        .typescript(false)
        .debug(false)
        .keep_debug(false)
        .remove_name_section(!keep_names())
        .remove_producers_section(true);
    bindgen.generate(out_dir).with_context(|| format!("running wasm-bindgen on {}", compiled.display()))?;
    Ok(out_dir.join(format!("{out_name}_bg.wasm")))
}

/// Whether the wasm keeps its functions' names (`STATEHOUSE_WASM_NAMES=1`), so a browser's
/// profile names them: for profiling only, as the names make the bundle larger.
fn keep_names() -> bool {
    std::env::var_os("STATEHOUSE_WASM_NAMES").is_some_and(|value| value == "1")
}

/// Runs `wasm-opt -Oz` from the npm package `binaryen` (Debian's older wasm-opt breaks hydration).
pub fn optimise_wasm(workspace: &Workspace, wasm: &Path) -> anyhow::Result<()> {
    let wasm_opt = workspace.end2end_dir().join("node_modules/.bin/wasm-opt");
    if !wasm_opt.is_file() {
        bail!("{} is missing: run `cargo xtask setup`", wasm_opt.display());
    }
    let optimised = wasm.with_extension("opt.wasm");
    run(Command::new(&wasm_opt)
        .arg(wasm)
        .arg("-o")
        .arg(&optimised)
        .arg("-Oz")
        .args(if keep_names() { &["--debuginfo"][..] } else { &["--strip-debug", "--strip-producers"][..] })
        // The features rustc enables by default for wasm32-unknown-unknown.
        .args([
            "--enable-bulk-memory",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
        ]))?;
    fs::rename(&optimised, wasm).with_context(|| format!("replacing {}", wasm.display()))
}

/// `cargo fmt --check`, then clippy on the native crates and on the wasm crate, warnings as errors.
pub fn check_format_and_lints(workspace: &Workspace) -> anyhow::Result<()> {
    step("checking formatting (cargo fmt --check)", || {
        run(Command::new(cargo()).current_dir(workspace.root()).args(["fmt", "--all", "--check"]))
    })?;
    step("linting the native crates (cargo clippy, warnings are errors)", || {
        run(Command::new(cargo()).current_dir(workspace.root()).args([
            "clippy",
            "--all-targets",
            "--",
            "--deny",
            "warnings",
        ]))
    })?;
    step("linting the browser crates for wasm32 (cargo clippy, warnings are errors)", || {
        run(Command::new(cargo()).current_dir(workspace.root()).args([
            "clippy",
            "--package",
            "statehouse-hydrate",
            "--package",
            "asl",
            "--target",
            WASM_TARGET,
            "--",
            "--deny",
            "warnings",
        ]))?;
        // The designer's bundle (Leptos' `csr`) and the simulator: the same crate, other features.
        for features in ["designer", "simulator"] {
            run(Command::new(cargo()).current_dir(workspace.root()).args([
                "clippy",
                "--package",
                "statehouse-hydrate",
                "--target",
                WASM_TARGET,
                "--no-default-features",
                "--features",
                features,
                "--",
                "--deny",
                "warnings",
            ]))?;
        }
        Ok(())
    })
}

/// `cargo test` over the native crates; returns the debug server binary it built.
pub fn run_rust_tests(workspace: &Workspace) -> anyhow::Result<PathBuf> {
    step("running the Rust tests (cargo test)", || {
        run(Command::new(cargo()).current_dir(workspace.root()).args(["test", "--no-fail-fast"]))
    })?;
    // The browser runs `asl` with `regex-lite` instead of `regex` (see asl's `regex_engine`):
    // its tests, the JSONata and intrinsic conformance cases among them, run on that engine too.
    step("running asl's tests on the browser's regex engine (cargo test -p asl --features lite-regex)", || {
        run(Command::new(cargo()).current_dir(workspace.root()).args([
            "test",
            "--no-fail-fast",
            "--package",
            "asl",
            "--features",
            "lite-regex",
        ]))
    })?;
    let server = workspace.server_binary(Profile::Debug);
    if !server.is_file() {
        bail!("`cargo test` did not leave {} behind", server.display());
    }
    Ok(server)
}

/// The cargo that runs xtask (`CARGO`), or `cargo` from PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn file_size(path: &Path) -> anyhow::Result<u64> {
    Ok(fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len())
}

/// What the server sends for `path` to a browser that accepts gzip: the size of its gzip copy.
pub fn shipped_size(path: &Path) -> anyhow::Result<u64> {
    file_size(&gzip_path(path))
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&destination)?;
            copy_dir(&entry.path(), &destination)?;
        } else {
            fs::copy(entry.path(), &destination)
                .with_context(|| format!("copying {} to {}", entry.path().display(), destination.display()))?;
        }
    }
    Ok(())
}
