//! The wasm entry point: runs the measurements in the browser and returns the report as JSON.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds since the page's time origin, sub-millisecond.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// `console.log(text)`, for progress.
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn console_log(text: &str);
}

/// Runs every measurement `runs` times (at least [`crate::measure::MIN_RUNS`]) and returns the
/// report as JSON text (see [`crate::measure::Report::to_json`]), with the text table in `text`.
#[wasm_bindgen]
pub fn run_benchmarks(runs: usize, environment: &str) -> String {
    let report = crate::measure::run(environment, runs, &performance_now, &mut |message| console_log(message));
    let mut json = report.to_json();
    json["text"] = report.to_text().into();
    json.to_string()
}
