//! Component tests: each view mounted alone with props, in headless Chromium
//! (`wasm-bindgen-test-runner` through chromedriver; `cargo xtask test` runs them).
#![cfg(target_arch = "wasm32")]

use quorumscope_web::model::Model;
use quorumscope_web::state::Selection;
use quorumscope_web::view::history::{History, HistoryProps};
use quorumscope_web::view::merkle::{merkle_view, MerkleProps};
use quorumscope_web::view::ring::{Ring, RingProps};
use std::rc::Rc;
use wasm_bindgen_test::*;
use yew::Callback;

wasm_bindgen_test_configure!(run_in_browser);

/// The Merkle panel is a plain function; mounted alone, it needs a component around it.
#[yew::function_component]
fn MerkleView(p: &MerkleProps) -> yew::Html {
    merkle_view(p)
}

fn model(text: &str) -> Rc<Model> {
    let (file, sc) = quorumscope_core::parse(text).expect("valid scenario");
    Rc::new(Model::new(file, sc))
}

fn lesson(slug: &str) -> Rc<Model> {
    model(quorumscope_web::lessons::text(slug).expect("lesson exists"))
}

fn mount() -> web_sys::Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let div = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&div).unwrap();
    div
}

/// Lets Yew's scheduler render.
async fn settle() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 30).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

fn count(root: &web_sys::Element, sel: &str) -> u32 {
    root.query_selector_all(sel).unwrap().length()
}

fn attr(root: &web_sys::Element, sel: &str, name: &str) -> Option<String> {
    root.query_selector(sel).unwrap().and_then(|e| e.get_attribute(name))
}

fn ring(m: &Rc<Model>, t_us: u64, selection: Selection) -> web_sys::Element {
    let root = mount();
    let props = RingProps {
        model: Rc::clone(m),
        snap: Rc::new(m.snapshot_at(t_us)),
        t_us,
        hooks_t_us: t_us,
        known_us: t_us,
        selection,
        on_node: Callback::noop(),
        on_msg: Callback::noop(),
        text_scale: 1,
        theme: Default::default(),
    };
    yew::Renderer::<Ring>::with_root_and_props(root.clone(), props).render();
    root
}

#[wasm_bindgen_test]
async fn the_ring_shows_nodes_crashes_and_messages() {
    let m = lesson("failed-write");
    let root = ring(&m, 106_000, Selection::default());
    settle().await;
    assert_eq!(count(&root, "[data-node]"), 3);
    assert_eq!(attr(&root, "[data-node=\"A\"]", "data-up").as_deref(), Some("true"));
    assert_eq!(attr(&root, "[data-node=\"B\"]", "data-up").as_deref(), Some("false"));
    assert_eq!(count(&root, "[data-node=\"B\"] .node-x"), 1, "a crashed node is crossed out, not only grey");
    // All three puts arrived at 105 ms: B's and C's were dropped (they are down) and fade where
    // they were lost; A stored its copy and its acknowledgement is flying back.
    assert_eq!(count(&root, "[data-message=\"put\"].dropped"), 2);
    assert_eq!(count(&root, "[data-message=\"put_ack\"]"), 1);
    assert_eq!(count(&root, "[data-message].dropped"), 2);
    assert_eq!(count(&root, "canvas.msg-canvas"), 1);
}

#[wasm_bindgen_test]
async fn the_ring_draws_a_partition_as_a_cut() {
    let m = model(
        r#"{"nodes": ["A","B","C","D"], "events": [{"at_ms": 0, "partition": [["A","B"],["C","D"]]}, {"at_ms": 50, "heal": true}], "run_until_ms": 100}"#,
    );
    let cut = ring(&m, 10_000, Selection::default());
    let healed = ring(&m, 60_000, Selection::default());
    settle().await;
    assert_eq!(count(&cut, ".cut line"), 1);
    assert_eq!(count(&healed, ".cut line"), 0);
}

#[wasm_bindgen_test]
async fn the_ring_marks_the_selected_operations_quorums() {
    let m = lesson("stale-read");
    // Bob's stale get (op 1): read set {C}; the write it missed was acknowledged by {A}.
    let root = ring(&m, 30_000, Selection { op: Some(1), ..Selection::default() });
    settle().await;
    assert_eq!(count(&root, ".badge-r"), 1);
    assert_eq!(count(&root, "[data-for=\"C\"] .badge-r"), 1);
    assert_eq!(count(&root, "[data-for=\"A\"] .badge-w"), 1);
    assert_eq!(count(&root, ".home-ring"), 3);
}

#[wasm_bindgen_test]
async fn the_history_lists_operations_and_names_anomalies() {
    let m = lesson("stale-read");
    let root = mount();
    let props = HistoryProps {
        model: Rc::clone(&m),
        t_us: m.end_us,
        selection: Selection::default(),
        on_op: Callback::noop(),
        on_anomaly: Callback::noop(),
    };
    yew::Renderer::<History>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert_eq!(count(&root, "[data-op]"), 3);
    assert_eq!(attr(&root, "[data-op=\"1\"]", "data-status").as_deref(), Some("ok"));
    assert_eq!(count(&root, "[data-op=\"1\"] .anomaly-tag"), 1);
    assert_eq!(count(&root, "[data-anomaly=\"stale_read\"]"), 1);
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains("do not overlap"), "the anomaly is explained in words");
}

#[wasm_bindgen_test]
async fn the_merkle_view_shows_the_descent_and_the_cost() {
    let m = lesson("anti-entropy");
    let text_at = |t: u64| {
        let (m, root) = (Rc::clone(&m), mount());
        async move {
            yew::Renderer::<MerkleView>::with_root_and_props(root.clone(), MerkleProps { model: m, t_us: t }).render();
            settle().await;
            (count(&root, ".mk.differ"), count(&root, ".mk.same"), root.text_content().unwrap_or_default())
        }
    };
    // Mid-exchange: the descent so far, and not yet the whole cost (the lesson's question).
    let (differ, same, text) = text_at(712_000).await;
    assert!(differ >= 2 && same >= 1, "differing subtrees highlighted, equal ones skipped");
    assert!(text.contains("Hashes compared so far: 9, against 16 leaf hashes"), "{text}");
    assert!(!text.contains("13"), "the whole exchange's cost only once it is done: {text}");
    // Done and repaired: still the trees it compared, and what it cost.
    let (differ, _, text) = text_at(740_000).await;
    assert!(differ >= 2, "the trees as the exchange began, not the repaired ones");
    assert!(
        text.contains("This exchange compared 13 hashes (1 + 2 × 6 differing internal nodes) and exchanged 3 key(s)"),
        "{text}"
    );
    // Later exchanges run, but the caption still talks about C and A: so does the view.
    let (_, _, text) = text_at(1_500_000).await;
    assert!(text.contains("Merkle trees: C ↔ A") && text.contains("compared 13 hashes"), "{text}");
}

/// The browser's number parser (used so the bundle carries none) reads what Rust's would.
#[wasm_bindgen_test]
fn the_browser_parses_numbers_as_rust_does() {
    let cases = [
        "0",
        "350",
        "420.5",
        "0.1",
        "-2.25",
        "1e3",
        "2.5E-3",
        "007",
        "1.7976931348623157e308",
        "5e-324",
        "0.30000000000000004",
    ];
    for s in cases {
        assert_eq!(quorumscope_web::parse_f64(s).map(f64::to_bits), s.parse::<f64>().ok().map(f64::to_bits), "{s}");
    }
    for s in ["", " 1", "inf", "NaN", "0x10", "1e999", "1,5", "--1"] {
        assert_eq!(quorumscope_web::parse_f64(s), None, "{s}");
    }
}
