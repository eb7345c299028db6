//! The app: one reducer, hooks for time (animation frames only while playing) and the keyboard,
//! and the layout of the pure view components.

use crate::lessons;
use crate::model::fmt_ms;
use crate::panel::Panel;
use crate::state::{Action, AppState, Dialog, Setting};
use crate::view::controls::Controls;
use crate::view::history::History;
use crate::view::inspector::Inspector;
use crate::view::kinds::Legend;
use crate::view::merkle::{merkle_view, MerkleProps};
use crate::view::ring::Ring;
use crate::view::spacetime::SpaceTime;
use crate::view::transport::{transport, TransportProps};
use quorumscope_core::num::fixed;
use quorumscope_core::scenario::Action as Ev;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

thread_local! {
    /// Renders of the app, for the "no work while paused" check.
    pub static RENDERS: Cell<u64> = const { Cell::new(0) };
    /// Animation frames run, for the same check.
    pub static FRAMES: Cell<u64> = const { Cell::new(0) };
    /// Milliseconds of work per animation frame (dispatch + render), most recent last.
    pub static FRAME_WORK_MS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    /// The app's dispatcher, for the page-level hooks in lib.rs (loading a scenario from a test).
    pub static DISPATCH: RefCell<Option<UseReducerDispatcher<AppState>>> = const { RefCell::new(None) };
}

const FRAME_LOG_CAP: usize = 4_096;

pub fn perf_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

fn record_frame(ms: f64) {
    FRAMES.with(|f| f.set(f.get() + 1));
    FRAME_WORK_MS.with(|v| {
        let mut v = v.borrow_mut();
        if v.len() >= FRAME_LOG_CAP {
            v.remove(0);
        }
        v.push(ms);
    });
}

/// Advances simulated time while playing. With reduced motion, time jumps from event to event on
/// a timer instead of gliding. Paused: nothing is scheduled at all.
#[hook]
fn use_clock(playing: bool, reduced_motion: bool, dispatch: UseReducerDispatcher<AppState>) {
    use_effect_with((playing, reduced_motion), move |&(playing, reduced)| -> Box<dyn FnOnce()> {
        if !playing {
            return Box::new(|| ());
        }
        if reduced {
            let d = dispatch.clone();
            let interval = gloo_timers::callback::Interval::new(800, move || {
                FRAMES.with(|f| f.set(f.get() + 1));
                d.dispatch(Action::JumpNext);
            });
            return Box::new(move || drop(interval));
        }
        let Some(window) = web_sys::window() else { return Box::new(|| ()) };
        let handle: Rc<Cell<Option<i32>>> = Rc::new(Cell::new(None));
        let frame: Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>> = Rc::new(RefCell::new(None));
        let last: Rc<Cell<Option<f64>>> = Rc::new(Cell::new(None));
        {
            let (handle, frame2, window) = (Rc::clone(&handle), Rc::clone(&frame), window.clone());
            *frame.borrow_mut() = Some(Closure::new(move |ts: f64| {
                let dt = last.get().map(|l| ts - l).unwrap_or(0.0);
                last.set(Some(ts));
                let t0 = perf_now();
                dispatch.dispatch(Action::Tick(dt));
                // Yew renders in a microtask queued by the dispatch; this one runs after it, so
                // the figure covers the reducer, the render and the DOM updates. Measured in
                // the build with test hooks only.
                if cfg!(feature = "hooks") {
                    wasm_bindgen_futures::spawn_local(async move { record_frame(perf_now() - t0) });
                }
                if let Some(cb) = frame2.borrow().as_ref() {
                    handle.set(window.request_animation_frame(cb.as_ref().unchecked_ref()).ok());
                }
            }));
        }
        if let Some(cb) = frame.borrow().as_ref() {
            handle.set(window.request_animation_frame(cb.as_ref().unchecked_ref()).ok());
        }
        Box::new(move || {
            if let Some(id) = handle.take() {
                let _ = window.cancel_animation_frame(id);
            }
            // Breaks the closure's reference to itself.
            frame.borrow_mut().take();
        })
    });
}

/// Global shortcuts: space play/pause, arrows step, Home/End, `?` help, Escape clears.
#[hook]
fn use_keyboard(dispatch: UseReducerDispatcher<AppState>) {
    use_effect_with((), move |_| -> Box<dyn FnOnce()> {
        let Some(window) = web_sys::window() else { return Box::new(|| ()) };
        let listener = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON"));
            let key = e.key();
            if typing
                && key != "Escape"
                && !(key == "?"
                    && !matches!(e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|el| el.tag_name()), Some(ref t) if t == "INPUT" || t == "TEXTAREA"))
            {
                return;
            }
            let action = match key.as_str() {
                " " | "k" => Action::TogglePlay,
                "ArrowRight" | "l" => Action::StepNext,
                "ArrowLeft" | "j" => Action::StepPrev,
                "Home" => Action::Seek(0),
                "End" => Action::Seek(u64::MAX),
                "?" => Action::ToggleHelp,
                "Escape" => Action::Escape,
                _ => return,
            };
            e.prevent_default();
            dispatch.dispatch(action);
        });
        let _ = window.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        Box::new(move || {
            let _ = window.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            drop(listener);
        })
    });
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// The scenario as a JSON file download.
fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// What the address asked for (lesson, share link, embed options).
    #[prop_or_default]
    pub fragment: crate::link::Fragment,
}

/// Opens a new share link pasted into the address bar of an open page.
#[hook]
fn use_hash_changes(dispatch: UseReducerDispatcher<AppState>) {
    use_effect_with((), move |_| -> Box<dyn FnOnce()> {
        let Some(window) = web_sys::window() else { return Box::new(|| ()) };
        let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                dispatch.dispatch(Action::OpenFragment(crate::location_fragment().await))
            });
        });
        let _ = window.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
        Box::new(move || {
            let _ = window.remove_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
            drop(listener);
        })
    });
}

/// The page's address without its fragment, for links and embed snippets.
fn page_url(embed: bool) -> String {
    let Some(loc) = web_sys::window().map(|w| w.location()) else { return String::new() };
    let base = format!("{}{}", loc.origin().unwrap_or_default(), loc.pathname().unwrap_or_default());
    if embed {
        format!("{base}?embed")
    } else {
        base
    }
}

/// Text for an HTML attribute value.
fn attr_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

#[function_component]
pub fn App(props: &AppProps) -> Html {
    RENDERS.with(|r| r.set(r.get() + 1));
    let fragment = props.fragment.clone();
    let state = use_reducer(move || {
        let mut s = AppState::from_fragment(&fragment);
        s.reduced_motion = prefers_reduced_motion();
        s
    });
    let more = use_state(|| false);
    let dispatch = state.dispatcher();
    DISPATCH.with(|d| *d.borrow_mut() = Some(dispatch.clone()));
    use_clock(state.playing, state.reduced_motion, dispatch.clone());
    use_keyboard(dispatch.clone());
    use_hash_changes(dispatch.clone());

    let model = Rc::clone(&state.model);
    let t = state.t_us;
    let snap = use_memo((Rc::clone(&model), t), |(m, t)| m.snapshot_at(*t));

    // Callbacks are made once (use_callback with no changing deps): a new Callback each render
    // would make every child's props differ and re-render the whole page on every frame.
    let cb = |f: fn(()) -> Action| {
        let d = dispatch.clone();
        Callback::from(move |_: ()| d.dispatch(f(())))
    };
    let on_seek = use_callback(dispatch.clone(), |t: u64, d| d.dispatch(Action::Seek(t)));
    let on_speed = use_callback(dispatch.clone(), |s: f64, d| d.dispatch(Action::SetSpeed(s)));
    let on_set = use_callback(dispatch.clone(), |s: Setting, d| d.dispatch(Action::Set(s)));
    let on_intervene = use_callback(dispatch.clone(), |e: Ev, d| d.dispatch(Action::Intervene(e)));
    let on_undo = use_callback(dispatch.clone(), |_: (), d| d.dispatch(Action::Undo));
    let on_node = use_callback(dispatch.clone(), |n: Option<u32>, d| d.dispatch(Action::SelectNode(n)));
    let on_msg = use_callback(dispatch.clone(), |m: u32, d| d.dispatch(Action::SelectMsg(m)));
    let on_op = use_callback(dispatch.clone(), |o: u32, d| d.dispatch(Action::SelectOp(o)));
    let on_anomaly = use_callback(dispatch.clone(), |i: usize, d| d.dispatch(Action::SelectAnomaly(i)));
    let on_lesson = {
        let d = dispatch.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                if !s.value().is_empty() {
                    d.dispatch(Action::LoadLesson(s.value()));
                }
            }
        })
    };
    let on_export = {
        let m = Rc::clone(&model);
        let d = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            // Compact, as links are written (one serializer in the bundle), then laid out for
            // people through a JSON tree.
            let compact = serde_json::to_string(&m.file).unwrap_or_default();
            let text = serde_json::from_str::<serde_json::Value>(&compact)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or_default();
            if download("quorumscope-scenario.json", &text).is_err() {
                d.dispatch(Action::Fail("The browser refused the download.".into()));
            }
        })
    };
    let on_import = {
        let d = dispatch.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            if file.size() > quorumscope_core::scenario::MAX_SCENARIO_BYTES as f64 {
                d.dispatch(Action::Fail(format!(
                    "{} is {} KB; scenario files are limited to {} KB.",
                    file.name(),
                    fixed(file.size() / 1024.0, 0),
                    quorumscope_core::scenario::MAX_SCENARIO_BYTES / 1024
                )));
                return;
            }
            let d = d.clone();
            let name = file.name();
            wasm_bindgen_futures::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string()) {
                    Some(text) => d.dispatch(Action::LoadText(text)),
                    None => d.dispatch(Action::Fail(format!("Could not read {name} as text."))),
                }
            });
        })
    };

    // Links are packed by the browser's CompressionStream, which answers asynchronously.
    let on_copy_link = {
        let (state, dispatch) = (state.clone(), dispatch.clone());
        Callback::from(move |_: MouseEvent| {
            let (shared, unchanged, view) = (state.shared(), state.unchanged_lesson(), state.view.clone());
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let frag = match crate::link::fragment_in_browser(shared, unchanged, view).await {
                    Ok(frag) => frag,
                    Err(e) => return dispatch.dispatch(Action::Fail(e)),
                };
                if let Some(w) = web_sys::window() {
                    // replaceState: the address now holds the experiment, without a reload or a
                    // hashchange event.
                    if let Ok(h) = w.history() {
                        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&frag));
                    }
                    let url = format!("{}{}", page_url(false), frag);
                    let _ = w.navigator().clipboard().write_text(&url);
                    dispatch.dispatch(Action::OpenDialog(Dialog::Link(url)));
                }
            });
        })
    };
    let on_embed = {
        let (state, dispatch) = (state.clone(), dispatch.clone());
        Callback::from(move |_: MouseEvent| {
            let view = crate::link::View { embed: true, ..state.view.clone() };
            let (shared, unchanged) = (state.shared(), state.unchanged_lesson());
            let title = attr_escape(&state.model.sc().title);
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match crate::link::fragment_in_browser(shared, unchanged, view).await {
                    Ok(frag) => dispatch.dispatch(Action::OpenDialog(Dialog::Embed(format!(
                        "<iframe src=\"{}{}\" width=\"720\" height=\"480\" style=\"border:0;max-width:100%\" title=\"Quorumscope: {title}\" loading=\"lazy\"></iframe>",
                        attr_escape(&page_url(true)),
                        attr_escape(&frag)
                    )))),
                    Err(e) => dispatch.dispatch(Action::Fail(e)),
                }
            });
        })
    };
    // The embed's "open" link carries the experiment as it is when followed. It is filled in on
    // focus or mouse-down (both come well before the click that follows the link; packing takes
    // a millisecond or two), not encoded on every frame.
    // Yew delegates events to the app's root, so the event's `current_target` is not the link:
    // the link is found by its NodeRef.
    let open_ref = use_node_ref();
    let fill_href = {
        let (state, open_ref) = (state.clone(), open_ref.clone());
        Callback::from(move |_: web_sys::Event| {
            let Some(a) = open_ref.cast::<web_sys::HtmlAnchorElement>() else { return };
            let (shared, unchanged) = (state.shared(), state.unchanged_lesson());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(frag) =
                    crate::link::fragment_in_browser(shared, unchanged, crate::link::View::default()).await
                {
                    a.set_href(&format!("{}{}", page_url(false), frag));
                }
            });
        })
    };
    let close_dialog = {
        let d = dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::CloseDialog))
    };
    let sc = model.sc();
    let text_t = state.text_t_us();
    let narration = model.recent_events(text_t, 40).iter().rev().find_map(|e| model.narrate(e)).unwrap_or_default();
    let quorum_line = state.selection.op.map(|o| model.quorum_line(o));
    let custom = state.lesson.is_none() || !state.interventions.is_empty();
    // Embed mode: ring, time controls and captions; other panels only if the link names them
    // (`panels=...`) or the reader asks for more.
    let embed = state.view.embed;
    let panels = state.view.panels.clone();
    let open_more = *more;
    let show = move |panel: Panel| !embed || open_more || panels.contains(&panel);
    let class = classes!(
        "app",
        state.reduced_motion.then_some("reduced-motion"),
        state.playing.then_some("playing"),
        embed.then_some("embed")
    );
    html! {
        <div {class}>
            if !embed {
            <header class="top">
                <h1><span class="logo" aria-hidden="true">{ "◎" }</span>{ " Quorumscope" }</h1>
                <label class="lesson-pick">{ "Lesson " }
                    <select onchange={on_lesson} aria-label="Lesson">
                        if custom { <option value="" selected=true>{ "Your experiment" }</option> }
                        { for lessons::LESSONS.iter().enumerate().map(|(i, l)| html! {
                            <option value={l.slug} selected={!custom && state.lesson.as_deref() == Some(l.slug)}>{ format!("{}. {}", i + 1, lessons::title(l.slug)) }</option>
                        }) }
                    </select>
                </label>
                <div class="actions">
                    <label class="button" title="Load a scenario JSON file">{ "Import" }
                        <input type="file" accept=".json,application/json" class="visually-hidden" onchange={on_import} aria-label="Import a scenario file" />
                    </label>
                    <button onclick={{ let d = dispatch.clone(); Callback::from(move |_| d.dispatch(Action::OpenDialog(Dialog::Glossary))) }} data-action="glossary">{ "Glossary" }</button>
                    <button onclick={on_copy_link} data-action="copy-link" title="Put the whole experiment in the address and copy it">{ "Copy link" }</button>
                    <button onclick={on_embed} data-action="embed" title="An iframe snippet for a course page">{ "Embed" }</button>
                    <button onclick={on_export} title="Download this experiment as a scenario file the CLI can run">{ "Export" }</button>
                    <button onclick={{ let d = dispatch.clone(); Callback::from(move |_| d.dispatch(Action::ToggleHelp)) }} aria-label="Help and keyboard shortcuts" title="Help (?)">{ "?" }</button>
                </div>
            </header>
            }
            if let Some(err) = &state.error {
                <div class="error" role="alert">
                    <strong>{ "Not applied: " }</strong>{ err.clone() }
                    <button onclick={{ let d = dispatch.clone(); Callback::from(move |_| d.dispatch(Action::DismissError)) }} aria-label="Dismiss">{ "×" }</button>
                </div>
            }
            <p class="caption"><strong>{ sc.title.clone() }</strong>{ " " }<span class="description">{ sc.description.clone() }</span></p>
            if let Some(step) = state.caption() {
                <p class="step-caption" role="status" aria-live="polite">{ step.caption.clone() }</p>
            }
            { checkpoint(&state, dispatch.clone()) }
            <main class={classes!("grid", (!show(Panel::Controls)).then_some("no-left"), (!show(Panel::Inspector)).then_some("no-right"))}>
                if show(Panel::Controls) {
                    <aside class="left">
                        <Controls model={Rc::clone(&model)} on_set={on_set} on_intervene={on_intervene.clone()} on_undo={on_undo} can_undo={!state.interventions.is_empty()} />
                    </aside>
                }
                <section class="center" aria-label="Cluster">
                    <Ring model={Rc::clone(&model)} snap={Rc::clone(&snap)} t_us={t} hooks_t_us={text_t} selection={state.selection.clone()} on_node={on_node} on_msg={on_msg.clone()} />
                    if let Some(line) = quorum_line { <p class="quorum-line" role="status">{ line }</p> }
                    if show(Panel::Legend) { <Legend /> }
                </section>
                if show(Panel::Inspector) {
                    <aside class="right">
                        <Inspector model={Rc::clone(&model)} snap={Rc::clone(&snap)} t_us={text_t} selection={state.selection.clone()} on_intervene={on_intervene} on_msg={on_msg} on_op={on_op.clone()} />
                    </aside>
                }
            </main>
            { transport(&TransportProps { t_us: t, end_us: model.end_us, playing: state.playing, speed: state.speed,
                on_toggle: cb(|_| Action::TogglePlay), on_step_prev: cb(|_| Action::StepPrev), on_step_next: cb(|_| Action::StepNext),
                on_seek: on_seek.clone(), on_speed }) }
            if embed {
                <p class="embed-bar">
                    <button onclick={{ let m = more.clone(); Callback::from(move |_| m.set(!*m)) }} aria-expanded={more.to_string()} data-action="more">{ if *more { "Less" } else { "More: controls, history, diagrams" } }</button>
                    <a ref={open_ref} href={page_url(false)} target="_blank" rel="noopener" onmousedown={fill_href.reform(|e: MouseEvent| e.into())} onfocus={fill_href.reform(|e: FocusEvent| e.into())}>{ "Open in Quorumscope ↗" }</a>
                </p>
            }
            if show(Panel::SpaceTime) {
                <SpaceTime model={Rc::clone(&model)} t_us={t} selection={state.selection.clone()} on_seek={on_seek} on_op={on_op.clone()} />
            }
            if show(Panel::History) || show(Panel::Merkle) {
                <div class="bottom">
                    if show(Panel::History) { <History model={Rc::clone(&model)} t_us={text_t} selection={state.selection.clone()} on_op={on_op} on_anomaly={on_anomaly} /> }
                    if show(Panel::Merkle) { { merkle_view(&MerkleProps { model: Rc::clone(&model), snap: Rc::clone(&snap), t_us: t }) } }
                </div>
            }
            <div class="visually-hidden" aria-live="polite" aria-atomic="true" id="narration">{ narration }</div>
            if !embed { <footer class="foot muted">{ format!("seed {} · {} nodes · {} events simulated · {}", sc.seed, sc.nodes.len(), model.rec().events, fmt_ms(model.end_us)) }</footer> }
            if state.dialog == Dialog::Help { { help(cb(|_| Action::ToggleHelp)) } }
            { share_dialog(&state.dialog, close_dialog) }
        </div>
    }
}

/// A predict-then-reveal checkpoint: the run paused here and asks what happens next.
fn checkpoint(state: &AppState, dispatch: UseReducerDispatcher<AppState>) -> Html {
    let Some(i) = state.question else { return html! {} };
    let Some(step) = state.model.file.steps.get(i) else { return html! {} };
    let answered = state.answers.iter().find(|(a, _)| *a == i).map(|(_, c)| *c);
    let choices = step.choices.iter().enumerate().map(|(ci, c)| {
        let d = dispatch.clone();
        let verdict = match (answered, step.answer) {
            (Some(a), Some(right)) if a == ci && a == right => " ✓ right",
            (Some(a), Some(_)) if a == ci => " ✗ not quite",
            (Some(_), Some(right)) if right == ci => " ✓",
            _ => "",
        };
        html! { <li><button disabled={answered.is_some()} data-choice={ci.to_string()} onclick={Callback::from(move |_| d.dispatch(Action::Answer(i, ci)))}>{ c.clone() }{ verdict }</button></li> }
    });
    let go = dispatch.clone();
    html! {
        <section class="checkpoint" role="dialog" aria-label="Predict what happens next">
            <p><strong>{ "Predict: " }</strong>{ step.predict.clone().unwrap_or_default() }</p>
            <ul>{ for choices }</ul>
            if answered.is_some() || step.choices.is_empty() {
                if let Some(r) = &step.reveal { <p class="reveal">{ r.clone() }</p> }
                <button class="primary" data-action="continue" onclick={Callback::from(move |_| go.dispatch(Action::Continue))}>{ "Continue ▶" }</button>
            }
        </section>
    }
}

/// The share dialog: the link (already copied if the browser allowed it) or the embed snippet.
fn share_dialog(dialog: &Dialog, on_close: Callback<MouseEvent>) -> Html {
    let (title, text, note) = match dialog {
        Dialog::None | Dialog::Help => return html! {},
        Dialog::Glossary => {
            return html! {
                <div class="help-dialog" role="dialog" aria-modal="true" aria-labelledby="glossary-title">
                    <div class="help-body">
                        <h2 id="glossary-title">{ "Glossary" }</h2>
                        <dl class="glossary">
                            { for crate::glossary::TERMS.iter().map(|(t, d)| html! { <><dt>{ *t }</dt><dd>{ *d }</dd></> }) }
                        </dl>
                        <button class="primary" onclick={on_close}>{ "Close" }</button>
                    </div>
                </div>
            };
        }
        Dialog::Link(url) => ("Link to this experiment", url.clone(), "Copied to the clipboard if the browser allowed it; the address bar holds it too. Opening it reproduces this run at this instant."),
        Dialog::Embed(snippet) => ("Embed in a course page", snippet.clone(), "Paste this into an HTML page. It opens in embed mode: ring, time controls and captions; options: panels=history,spacetime,controls,inspector,merkle and autoplay=1 in the link."),
    };
    html! {
        <div class="help-dialog" role="dialog" aria-modal="true" aria-label={title}>
            <div class="help-body">
                <h2>{ title }</h2>
                <textarea class="share-text" readonly=true rows="4" aria-label={title} value={text} />
                <p class="help">{ note }</p>
                <button class="primary" onclick={on_close}>{ "Close" }</button>
            </div>
        </div>
    }
}

/// The help dialog's text: shortcuts, and which behaviour of which real system each mechanism
/// follows. Static markup written here, not user input, so it is inserted as HTML: the same
/// elements built by `html!` cost several kilobytes of code in the bundle.
const HELP_HTML: &str = concat!(
    r#"<div><h2 id="help-title">Keyboard shortcuts</h2><dl class="keys">"#,
    r#"<dt><kbd>space</kbd></dt><dd>play / pause</dd>"#,
    r#"<dt><kbd>←</kbd> <kbd>→</kbd></dt><dd>previous / next event</dd>"#,
    r#"<dt><kbd>Home</kbd> <kbd>End</kbd></dt><dd>start / end of the run</dd>"#,
    r#"<dt><kbd>Tab</kbd>, <kbd>Enter</kbd></dt><dd>focus a node or row, select it</dd>"#,
    r#"<dt><kbd>?</kbd></dt><dd>this help</dd>"#,
    r#"<dt><kbd>Esc</kbd></dt><dd>close, clear the selection</dd></dl>"#,
    r#"<h2>What this simulator models</h2><ul>"#,
    r#"<li>The client coordinates its own requests: a put goes to the key's N home replicas and succeeds on W acknowledgements before the timeout; a get returns the newest of the first R replies (Dynamo, Riak). A failed put is never rolled back.</li>"#,
    r#"<li>Sloppy quorum uses the first N healthy nodes of the preference list; a fallback keeps the write with a hint and hands it home once the replica is reachable (Dynamo, Riak). Fallback answers count toward W and R.</li>"#,
    r#"<li>Failures are noticed after detect_ms; until then clients act on their old view and requests to lost nodes time out.</li>"#,
    r#"<li>Read repair is asynchronous, as in Dynamo and Riak (not Cassandra's blocking repair): it also fixes replicas whose replies arrive after the get returned.</li>"#,
    r#"<li>Anti-entropy compares binary Merkle trees top-down: 1 hash when replicas agree, 1 + 2 × depth for one differing key.</li>"#,
    r#"<li>Conflicts: last-write-wins by client timestamps (Cassandra), version vectors with siblings (Riak allow_mult, Dynamo's cart), or no versions at all.</li>"#,
    r#"</ul></div>"#,
);

/// The help dialog.
fn help(on_close: Callback<()>) -> Html {
    let close = Callback::from(move |_: MouseEvent| on_close.emit(()));
    html! {
        <div class="help-dialog" role="dialog" aria-modal="true" aria-labelledby="help-title">
            <div class="help-body">
                { Html::from_html_unchecked(AttrValue::Static(HELP_HTML)) }
                <button class="primary" onclick={close}>{ "Close" }</button>
            </div>
        </div>
    }
}
