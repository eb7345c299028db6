//! Quorumscope's visualizer: a Yew app over the simulation core.
//!
//! Layers: `geometry` (where things go, pure), `model` (a run and what views derive from it),
//! `state` (the reducer), `view` (pure components), `app` (the page's layout) with its `header`
//! and `dialogs`, `hooks` (time, keyboard, address), `dom` (browser helpers), `words` (what the
//! app says). Page-level functions for tests and benchmarks are in `test_hooks`.

pub mod app;
pub mod chart;
pub mod course;
pub mod dialogs;
pub mod dom;
pub mod figure;
pub mod geometry;
pub mod glossary;
pub mod header;
pub mod hooks;
pub mod lab;
pub mod lab_run;
pub mod lessons;
pub mod link;
pub mod live;
pub mod model;
pub mod panel;
pub mod state;
pub mod test_hooks;
pub mod view;
pub mod words;

// Single-threaded wasm (no atomics): Talc, growing the wasm memory as needed.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

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

/// Renders the app once the address is read (a shared experiment unpacks asynchronously, in a
/// millisecond or two).
pub fn start() {
    dom::add_style(&view::kinds::css());
    wasm_bindgen_futures::spawn_local(async {
        let fragment = dom::location_fragment().await;
        yew::Renderer::<app::App>::with_props(app::AppProps { fragment }).render();
        dom::remove_boot_screen();
    });
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
