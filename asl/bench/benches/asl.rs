//! The native benchmarks: `cargo bench -p asl-bench [-- --runs N] [-- --json FILE]`.
//!
//! Prints the median, 95th percentile and minimum of every step in milliseconds; with `--json`
//! it also writes the report, samples included, for `cargo xtask bench` to compare with wasm.

use std::time::Instant;

use asl_bench::measure;

fn main() {
    let mut runs = 30;
    let mut json = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|value| value.parse().ok()).expect("--runs takes a number"),
            "--json" => json = Some(args.next().expect("--json takes a file name")),
            // `cargo bench` passes `--bench`; a filter or other libtest flags are ignored.
            _ => {}
        }
    }
    let origin = Instant::now();
    let clock = move || origin.elapsed().as_secs_f64() * 1_000.0;
    let environment = format!("native, {} {}", std::env::consts::ARCH, std::env::consts::OS);
    let report = measure::run(&environment, runs, &clock, &mut |message| eprintln!("    {message}"));
    print!("{}", report.to_text());
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report.to_json()).expect("JSON");
        std::fs::write(&path, text).unwrap_or_else(|error| panic!("writing {path}: {error}"));
    }
}
