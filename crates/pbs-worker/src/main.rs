//! The staleness lab's Web Worker. The page sends an experiment as JSON text (the CLI's option
//! names, `pbs::Config::from_json`); the worker answers with text messages:
//! `{"ready":true}` once it listens, `{"progress":{"done":D,"total":T}}` between slices, then
//! `{"outcome":{...}}` — exactly what `quorumscope pbs` prints for the same options and seed,
//! with `trials_per_s` and `ms` measured here — or `{"error":"..."}`.
//! Cancelling is the page terminating the worker: nothing here needs to yield.

use quorumscope_core::pbs::{self, Config, Runner};
use serde_json::json;

/// Progress is posted about this many times per experiment.
const REPORTS: u64 = 50;

/// Runs one experiment, posting each message through `post`; `now_ms` is the clock. A request
/// `{"stale_read":{"t_ms":T,"experiment":{...}}}` instead finds one concrete stale trial at t = T
/// (`pbs::stale_read`) and posts `{"stale":{"seed":S,"scenario":{...}}}`, or `{"stale":null}`.
pub fn respond(text: &str, now_ms: &dyn Fn() -> f64, post: &mut dyn FnMut(String)) {
    if let Some(req) = serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| v.get("stale_read").cloned()) {
        return post(stale(&req).unwrap_or_else(|e| json!({ "error": e })).to_string());
    }
    let cfg = match Config::from_json(text) {
        Ok(cfg) => cfg,
        Err(e) => return post(json!({ "error": e }).to_string()),
    };
    let t0 = now_ms();
    let mut runner = match Runner::new(&cfg) {
        Ok(r) => r,
        Err(e) => return post(json!({ "error": e }).to_string()),
    };
    let total = runner.total();
    let slice = (total / REPORTS).clamp(1_000, 50_000);
    post(json!({ "progress": { "done": 0, "total": total } }).to_string());
    while !runner.step(slice) {
        post(json!({ "progress": { "done": runner.done(), "total": total } }).to_string());
    }
    let outcome = runner.finish();
    let ms = now_ms() - t0;
    let mut v = outcome.to_json(&cfg);
    v["trials_per_s"] = json!((outcome.trials as f64 * 1000.0 / ms.max(1e-3)).round());
    v["ms"] = json!(ms);
    post(json!({ "outcome": v }).to_string());
}

fn stale(req: &serde_json::Value) -> Result<serde_json::Value, String> {
    let t_ms = req["t_ms"].as_f64().ok_or("stale_read.t_ms: must be a number")?;
    let cfg = Config::from_json(&req["experiment"].to_string()).map_err(|e| format!("stale_read.experiment.{e}"))?;
    Ok(match pbs::stale_read(&cfg, t_ms, pbs::MAX_STALE_SEEDS) {
        Some((seed, file)) => json!({ "stale": { "seed": seed, "scenario": file } }),
        None => json!({ "stale": null, "seeds": pbs::MAX_STALE_SEEDS }),
    })
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let out = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        let text = e.data().as_string().unwrap_or_default();
        let mut post = |m: String| _ = out.post_message(&JsValue::from_str(&m));
        respond(&text, &js_sys::Date::now, &mut post);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages sent before the wasm had loaded would be lost: the page waits for this one.
    _ = scope.post_message(&JsValue::from_str(r#"{"ready":true}"#));
}

/// Natively there is no worker: the tests call [`respond`].
#[cfg(not(target_arch = "wasm32"))]
fn main() {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn messages(text: &str) -> Vec<Value> {
        let mut out = Vec::new();
        respond(text, &|| 0.0, &mut |m| out.push(serde_json::from_str(&m).unwrap()));
        out
    }

    #[test]
    fn progress_then_the_clis_outcome() {
        let text = r#"{"model":"WAN","r":2,"trials":30000,"seed":9,"t":[0,1,80]}"#;
        let got = messages(text);
        let progress: Vec<u64> = got.iter().filter_map(|m| m["progress"]["done"].as_u64()).collect();
        assert!(progress.len() > 10 && progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
        assert_eq!(got[0]["progress"]["total"], 30_000 * 4);
        let mut outcome = got.last().unwrap()["outcome"].clone();
        let cfg = Config::from_json(text).unwrap();
        assert!(outcome["trials_per_s"].is_number() && outcome["ms"].is_number());
        let o = outcome.as_object_mut().unwrap();
        o.remove("trials_per_s");
        o.remove("ms");
        // Both through the same text and parser (serde_json's default one rounds the last bit).
        let cli: Value = serde_json::from_str(&pbs::run(&cfg).unwrap().to_json(&cfg).to_string()).unwrap();
        assert_eq!(outcome, cli);
    }

    #[test]
    fn a_stale_trial_on_request() {
        let got = messages(r#"{"stale_read":{"t_ms":2,"experiment":{"model":"LNKD-DISK","n":3,"r":1,"w":1}}}"#);
        let seed = got[0]["stale"]["seed"].as_u64().unwrap();
        assert_eq!(got[0]["stale"]["scenario"]["seed"], seed);
        let strict = messages(r#"{"stale_read":{"t_ms":0,"experiment":{"model":"LNKD-SSD","r":2,"w":2,"trials":10}}}"#);
        assert!(strict[0]["stale"].is_null());
        let bad = messages(r#"{"stale_read":{"t_ms":0,"experiment":{"r":9}}}"#);
        assert!(bad[0]["error"].as_str().unwrap().starts_with("stale_read.experiment.r, w"), "{}", bad[0]);
    }

    #[test]
    fn a_bad_experiment_is_one_error_naming_its_option() {
        let got = messages(r#"{"n":3,"w":5}"#);
        assert_eq!(got.len(), 1);
        assert!(got[0]["error"].as_str().unwrap().starts_with("r, w: R=1 and W=5"), "{}", got[0]);
        assert_eq!(
            messages("nonsense")[0]["error"].as_str().unwrap().split(':').next(),
            Some("the experiment is not JSON")
        );
    }
}
