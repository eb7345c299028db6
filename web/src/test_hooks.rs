//! Page-level functions for the browser tests and benchmarks (trace export, loading a scenario,
//! "no work while paused" counters, wasm throughput, seek timing), and the counters they read.
//! All of it exists only with the `hooks` feature; the shipped bundle is built without it and
//! the counting functions below are then empty.

use crate::state::AppState;
use yew::UseReducerDispatcher;

#[cfg(feature = "hooks")]
use exports::{record_frame_work, DISPATCH, FRAMES, RENDERS};

/// A render of the app.
pub fn count_render() {
    #[cfg(feature = "hooks")]
    RENDERS.with(|r| r.set(r.get() + 1));
}

/// An animation step (a frame, or a reduced-motion jump).
pub fn count_frame() {
    #[cfg(feature = "hooks")]
    FRAMES.with(|f| f.set(f.get() + 1));
}

/// When a frame's work starts, for [`frame_done`] (0 without the test hooks: reading the clock
/// costs a call into the page every frame).
pub fn frame_start() -> f64 {
    #[cfg(feature = "hooks")]
    return crate::dom::perf_now();
    #[cfg(not(feature = "hooks"))]
    0.0
}

/// A frame's work: the dispatch at `t0` and the render Yew queues after it. The render runs in a
/// microtask queued by the dispatch; this one runs after it, so the figure covers the reducer,
/// the render and the DOM updates.
pub fn frame_done(t0: f64) {
    #[cfg(feature = "hooks")]
    wasm_bindgen_futures::spawn_local(async move {
        count_frame();
        record_frame_work(crate::dom::perf_now() - t0)
    });
    #[cfg(not(feature = "hooks"))]
    let _ = t0;
}

/// One slice of a long run computed, and how long it took (ms).
pub fn count_slice(ms: f64) {
    #[cfg(feature = "hooks")]
    exports::SLICES.with(|v| v.borrow_mut().push(ms));
    #[cfg(not(feature = "hooks"))]
    let _ = ms;
}

/// The app's dispatcher, for loading a scenario from a test.
pub fn register(dispatch: &UseReducerDispatcher<AppState>) {
    #[cfg(feature = "hooks")]
    DISPATCH.with(|d| *d.borrow_mut() = Some(dispatch.clone()));
    #[cfg(not(feature = "hooks"))]
    let _ = dispatch;
}

#[cfg(feature = "hooks")]
mod exports {
    use crate::dom::perf_now;
    use crate::state::{self, AppState};
    use std::cell::{Cell, RefCell};
    use wasm_bindgen::prelude::*;
    use yew::UseReducerDispatcher;

    thread_local! {
        /// Renders of the app, for the "no work while paused" check.
        pub(super) static RENDERS: Cell<u64> = const { Cell::new(0) };
        /// Animation frames run, for the same check.
        pub(super) static FRAMES: Cell<u64> = const { Cell::new(0) };
        /// Milliseconds of work per animation frame (dispatch + render), most recent last.
        static FRAME_WORK_MS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
        /// Milliseconds each slice of a long run took (dispatch of `BuildSlice`).
        pub(super) static SLICES: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
        pub(super) static DISPATCH: RefCell<Option<UseReducerDispatcher<AppState>>> = const { RefCell::new(None) };
    }

    const FRAME_LOG_CAP: usize = 4_096;

    pub(super) fn record_frame_work(ms: f64) {
        FRAME_WORK_MS.with(|v| {
            let mut v = v.borrow_mut();
            if v.len() >= FRAME_LOG_CAP {
                v.remove(0);
            }
            v.push(ms);
        });
    }

    /// Sorts timings (for the percentiles).
    fn sort_f64(v: &mut [f64]) {
        quorumscope_core::order::sort_by_key(v, |x| quorumscope_core::order::f64_key(*x));
    }

    /// Runs a scenario and returns the CLI's `run --trace` JSON (report plus trace), so a test can
    /// compare the browser's run with the native one byte for byte.
    #[wasm_bindgen]
    pub fn qs_run_trace(text: &str) -> Result<String, JsValue> {
        let sim = quorumscope_core::run_text(text, quorumscope_core::Level::Full)
            .map_err(|e| JsValue::from_str(&e.to_string()))?;
        let mut v = serde_json::to_value(sim.report()).map_err(|e| JsValue::from_str(&e.to_string()))?;
        // As `quorumscope run --trace` prints it: the verdicts too.
        v["consistency"] = sim.consistency_json();
        v["trace"] = sim.trace_json();
        serde_json::to_string(&v).map_err(|e| JsValue::from_str(&e.to_string()))
    }

    /// Loads scenario text into the running app, as Import does.
    #[wasm_bindgen]
    pub fn qs_load(text: String) -> bool {
        DISPATCH.with(|d| d.borrow().as_ref().map(|d| d.dispatch(state::Action::LoadText(text))).is_some())
    }

    /// Counters for "no work while paused" and per-frame work, as JSON.
    /// Whether the staleness lab's worker is running (it exists only while a run goes).
    #[wasm_bindgen]
    pub fn qs_lab_worker_alive() -> bool {
        crate::lab_run::alive()
    }

    #[wasm_bindgen]
    pub fn qs_stats() -> String {
        let renders = RENDERS.with(|r| r.get());
        let frames = FRAMES.with(|f| f.get());
        let mut work = FRAME_WORK_MS.with(|v| v.borrow().clone());
        sort_f64(&mut work);
        let pct = |p: f64| if work.is_empty() { 0.0 } else { work[((work.len() - 1) as f64 * p).round() as usize] };
        // The wasm's linear memory (it only grows): the bound the hostile-link test and the soak watch.
        #[cfg(target_arch = "wasm32")]
        let wasm_bytes = core::arch::wasm32::memory_size(0) as u64 * 65_536;
        #[cfg(not(target_arch = "wasm32"))]
        let wasm_bytes = 0u64;
        let slices = SLICES.with(|v| v.borrow().clone());
        let slice_max = slices.iter().copied().fold(0.0, f64::max);
        let slices =
            serde_json::json!({"count": slices.len(), "max_ms": slice_max, "total_ms": slices.iter().sum::<f64>()});
        serde_json::json!({"renders": renders, "frames": frames, "wasm_bytes": wasm_bytes, "slices": slices, "frame_work_ms": {"count": work.len(), "p50": pct(0.5), "p95": pct(0.95), "max": pct(1.0)}}).to_string()
    }

    /// The value labels last written beside messages on the ring's canvas: text, left end and
    /// baseline, font size, in the ring's viewBox units (the test measures their boxes itself).
    #[wasm_bindgen]
    pub fn qs_message_labels() -> String {
        let labels = crate::view::messages::last_labels();
        let items: Vec<serde_json::Value> =
            labels.iter().map(|l| serde_json::json!({"text": l.text, "x": l.x, "y": l.y, "font": l.font})).collect();
        serde_json::Value::Array(items).to_string()
    }

    /// Stops the wasm with a trap, as a panic or a refused allocation does (`panic = "abort"`):
    /// what index.html's watchdog must catch.
    #[wasm_bindgen]
    pub fn qs_trap() {
        #[cfg(target_arch = "wasm32")]
        core::arch::wasm32::unreachable();
    }

    #[wasm_bindgen]
    pub fn qs_reset_stats() {
        FRAME_WORK_MS.with(|v| v.borrow_mut().clear());
        SLICES.with(|v| v.borrow_mut().clear());
    }

    /// The core's throughput in wasm on the benchmark workload, as JSON.
    #[wasm_bindgen]
    pub fn qs_bench_core(nodes: usize, ops: usize) -> String {
        let file = quorumscope_core::bench::workload(nodes, ops, 1_000, 1);
        let sc = quorumscope_core::Scenario::from_file(&file).expect("the workload is valid");
        let mut best = f64::MAX;
        let mut events = 0;
        for _ in 0..3 {
            let mut sim = quorumscope_core::Sim::new(sc.clone(), quorumscope_core::Level::Summary);
            let t0 = perf_now();
            sim.run();
            best = best.min(perf_now() - t0);
            events = sim.recording().events;
        }
        serde_json::json!({"nodes": nodes, "ops": ops, "events": events, "ms": best, "events_per_s": events as f64 / (best / 1000.0)}).to_string()
    }

    /// Milliseconds the run of a scenario's text takes in one go (what the page would be blocked
    /// for without slices), or -1 if it is refused.
    #[wasm_bindgen]
    pub fn qs_build_ms(text: &str) -> f64 {
        let Ok((file, sc)) = quorumscope_core::parse(text) else { return -1.0 };
        let t0 = perf_now();
        let model = crate::model::Model::new(file, sc);
        let ms = perf_now() - t0;
        drop(model);
        ms
    }

    /// Seeking in a long run: builds a run of `minutes` simulated minutes, then seeks to `seeks`
    /// spread-out instants and reports the time per seek, as JSON.
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
        let t0 = perf_now();
        let model = crate::model::Model::new(file, sc);
        let build_ms = perf_now() - t0;
        let mut times = Vec::new();
        let mut rng = quorumscope_core::bench::Rng::new(9);
        for _ in 0..seeks {
            let t = rng.next_u64() % model.end_us;
            let t0 = perf_now();
            let snap = model.snapshot_at(t);
            times.push(perf_now() - t0);
            assert!(snap.at_us == t);
        }
        sort_f64(&mut times);
        let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        serde_json::json!({"minutes": minutes, "events": model.rec().events, "build_ms": build_ms, "seeks": seeks, "p50_ms": pct(0.5), "p95_ms": pct(0.95), "max_ms": pct(1.0)}).to_string()
    }
}
