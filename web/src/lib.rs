//! Quorumscope's visualizer: a Yew app over the simulation core.
//!
//! Layers: `geometry` (where things go, pure), `model` (a run and what views derive from it),
//! `state` (the reducer), `view` (pure components), `app` (hooks and layout). Page-level functions
//! below are for tests, benchmarks and course authors' scripts.

pub mod app;
pub mod geometry;
pub mod glossary;
pub mod lessons;
pub mod link;
pub mod model;
pub mod panel;
pub mod state;
pub mod view;

#[cfg(feature = "hooks")]
use wasm_bindgen::prelude::*;

// Single-threaded wasm (no atomics): Talc, growing the wasm memory as needed.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Sorts timings (for the hooks' percentiles).
#[cfg(feature = "hooks")]
fn sort_f64(v: &mut [f64]) {
    quorumscope_core::order::sort_by_key(v, |x| quorumscope_core::order::f64_key(*x));
}

/// Parses a plain decimal number (`12`, `-0.5`, `1e3`). In the browser the page's own parser does
/// it, so no float parser is compiled into the bundle; both parsers round correctly, and the
/// character check keeps them to the same inputs (no `inf`, no `0x10`, no spaces).
pub fn parse_f64(s: &str) -> Option<f64> {
    let plain = !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !plain {
        return None;
    }
    #[cfg(target_arch = "wasm32")]
    let x = js_sys::Number::from(wasm_bindgen::JsValue::from_str(s)).value_of();
    #[cfg(not(target_arch = "wasm32"))]
    let x = s.parse::<f64>().unwrap_or(f64::NAN);
    x.is_finite().then_some(x)
}

/// What the page's address asks for: a lesson, a share link, embed options.
pub async fn location_fragment() -> link::Fragment {
    let loc = web_sys::window().map(|w| w.location());
    let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    let search = loc.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    link::parse_in_browser(&hash, &search).await
}

/// Renders the app once the address is read (a shared experiment unpacks asynchronously, in a
/// millisecond or two).
pub fn start() {
    add_kind_styles();
    wasm_bindgen_futures::spawn_local(async {
        let fragment = location_fragment().await;
        yew::Renderer::<app::App>::with_props(app::AppProps { fragment }).render();
    });
}

/// The message kinds' colour rules (`view::kinds::css`), as a `<style>` in the page's head.
fn add_kind_styles() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let (Ok(style), Some(head)) = (doc.create_element("style"), doc.head()) else { return };
    style.set_text_content(Some(&view::kinds::css()));
    let _ = head.append_child(&style);
}

/// Runs a scenario and returns the CLI's `run --trace` JSON (report plus trace), so a test can
/// compare the browser's run with the native one byte for byte.
#[cfg(feature = "hooks")]
#[wasm_bindgen]
pub fn qs_run_trace(text: &str) -> Result<String, JsValue> {
    let sim = quorumscope_core::run_text(text, quorumscope_core::Level::Full)
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let mut v = serde_json::to_value(sim.report()).map_err(|e| JsValue::from_str(&e.to_string()))?;
    v["trace"] = quorumscope_core::run::trace_json(&sim);
    serde_json::to_string(&v).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// Loads scenario text into the running app, as Import does.
#[cfg(feature = "hooks")]
#[wasm_bindgen]
pub fn qs_load(text: String) -> bool {
    app::DISPATCH.with(|d| d.borrow().as_ref().map(|d| d.dispatch(state::Action::LoadText(text))).is_some())
}

/// Counters for "no work while paused" and per-frame work, as JSON.
#[cfg(feature = "hooks")]
#[wasm_bindgen]
pub fn qs_stats() -> String {
    let renders = app::RENDERS.with(|r| r.get());
    let frames = app::FRAMES.with(|f| f.get());
    let mut work = app::FRAME_WORK_MS.with(|v| v.borrow().clone());
    sort_f64(&mut work);
    let pct = |p: f64| if work.is_empty() { 0.0 } else { work[((work.len() - 1) as f64 * p).round() as usize] };
    serde_json::json!({"renders": renders, "frames": frames, "frame_work_ms": {"count": work.len(), "p50": pct(0.5), "p95": pct(0.95), "max": pct(1.0)}}).to_string()
}

#[cfg(feature = "hooks")]
#[wasm_bindgen]
pub fn qs_reset_stats() {
    app::FRAME_WORK_MS.with(|v| v.borrow_mut().clear());
}

/// The core's throughput in wasm on the benchmark workload, as JSON.
#[cfg(feature = "hooks")]
#[wasm_bindgen]
pub fn qs_bench_core(nodes: usize, ops: usize) -> String {
    let file = quorumscope_core::bench::workload(nodes, ops, 1_000, 1);
    let sc = quorumscope_core::Scenario::from_file(&file).expect("the workload is valid");
    let mut best = f64::MAX;
    let mut events = 0;
    for _ in 0..3 {
        let mut sim = quorumscope_core::Sim::new(sc.clone(), quorumscope_core::Level::Summary);
        let t0 = app::perf_now();
        sim.run();
        best = best.min(app::perf_now() - t0);
        events = sim.rec.events;
    }
    serde_json::json!({"nodes": nodes, "ops": ops, "events": events, "ms": best, "events_per_s": events as f64 / (best / 1000.0)}).to_string()
}

/// Seeking in a long run: builds a run of `minutes` simulated minutes, then seeks to `seeks`
/// spread-out instants and reports the time per seek, as JSON.
#[cfg(feature = "hooks")]
#[wasm_bindgen]
pub fn qs_bench_seek(minutes: u32, seeks: u32) -> String {
    let ops = (minutes as usize * 60 * 20).max(1); // one op every 50 ms
    let mut file = quorumscope_core::bench::workload(16, ops, 200, 3);
    for (i, e) in file.events.iter_mut().enumerate() {
        e.at_ms = (i as f64 * 50.0).min(minutes as f64 * 60_000.0);
    }
    file.replication.anti_entropy_ms = Some(5_000.0);
    file.run_until_ms = Some(minutes as f64 * 60_000.0);
    let sc = quorumscope_core::Scenario::from_file(&file).expect("valid");
    let t0 = app::perf_now();
    let model = model::Model::new(file, sc);
    let build_ms = app::perf_now() - t0;
    let mut times = Vec::new();
    let mut rng = quorumscope_core::Rng::new(9);
    for _ in 0..seeks {
        let t = rng.next_u64() % model.end_us;
        let t0 = app::perf_now();
        let snap = model.snapshot_at(t);
        times.push(app::perf_now() - t0);
        assert!(snap.at_us == t);
    }
    sort_f64(&mut times);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    serde_json::json!({"minutes": minutes, "events": model.rec().events, "build_ms": build_ms, "seeks": seeks, "p50_ms": pct(0.5), "p95_ms": pct(0.95), "max_ms": pct(1.0)}).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_decimals_only() {
        assert_eq!(super::parse_f64("420.5"), Some(420.5));
        assert_eq!(super::parse_f64("1e3"), Some(1000.0));
        for s in ["", " 1", "inf", "NaN", "0x10", "1e999", "1,5", "--1"] {
            assert_eq!(super::parse_f64(s), None, "{s}");
        }
    }
}
