//! The page: one reducer, the hooks that drive it (time, keyboard, address) and the layout of the
//! views, the header and the dialogs around it.

use crate::dialogs::{self, CheckpointProps};
use crate::dom;
use crate::header;
use crate::hooks;
use crate::model::fmt_ms;
use crate::panel::Panel;
use crate::state::{Action, AppState, Setting};
use crate::test_hooks;
use crate::view::consistency::{consistency_panel, history_lanes, ConsistencyProps, Over};
use crate::view::controls::Controls;
use crate::view::history::History;
use crate::view::inspector::Inspector;
use crate::view::kinds::legend;
use crate::view::lab::LabPanel;
use crate::view::merkle::{merkle_view, MerkleProps};
use crate::view::ring::Ring;
use crate::view::spacetime::SpaceTime;
use crate::view::transport::{transport, TransportProps};
use crate::words;
use quorumscope_core::scenario::Action as Ev;
use quorumscope_core::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// What the address asked for (lesson, share link, embed options).
    #[prop_or_default]
    pub fragment: crate::link::Fragment,
}

/// What the views may ask of the reducer. Made once (use_callback with no changing deps): a new
/// Callback each render would make every child's props differ and re-render the whole page on
/// every frame.
struct Callbacks {
    seek: Callback<u64>,
    speed: Callback<f64>,
    set: Callback<Setting>,
    intervene: Callback<Ev>,
    undo: Callback<()>,
    node: Callback<Option<u32>>,
    msg: Callback<u32>,
    op: Callback<u32>,
    anomaly: Callback<usize>,
    verdict: Callback<usize>,
}

#[hook]
fn use_callbacks(d: UseReducerDispatcher<AppState>) -> Callbacks {
    let seek = use_callback(d.clone(), |t: u64, d| d.dispatch(Action::Seek(t)));
    let speed = use_callback(d.clone(), |s: f64, d| d.dispatch(Action::SetSpeed(s)));
    let set = use_callback(d.clone(), |s: Setting, d| d.dispatch(Action::Set(s)));
    let intervene = use_callback(d.clone(), |e: Ev, d| d.dispatch(Action::Intervene(e)));
    let undo = use_callback(d.clone(), |_: (), d| d.dispatch(Action::Undo));
    let node = use_callback(d.clone(), |n: Option<u32>, d| d.dispatch(Action::SelectNode(n)));
    let msg = use_callback(d.clone(), |m: u32, d| d.dispatch(Action::SelectMsg(m)));
    let op = use_callback(d.clone(), |o: u32, d| d.dispatch(Action::SelectOp(o)));
    let anomaly = use_callback(d.clone(), |i: usize, d| d.dispatch(Action::SelectAnomaly(i)));
    let verdict = use_callback(d, |i: usize, d| d.dispatch(Action::SelectVerdict(i)));
    Callbacks { seek, speed, set, intervene, undo, node, msg, op, anomaly, verdict }
}

#[function_component]
pub fn App(props: &AppProps) -> Html {
    test_hooks::count_render();
    let fragment = props.fragment.clone();
    // Rendered only when what the page shows changes (AppState's PartialEq): see `live`.
    let state = use_reducer_eq(move || {
        let mut s = AppState::opening(&fragment);
        s.reduced_motion = dom::prefers_reduced_motion();
        s
    });
    let more = use_state(|| false);
    let open_ref = use_node_ref();
    let dispatch = state.dispatcher();
    test_hooks::register(&dispatch);
    hooks::use_clock(&state);
    hooks::use_keyboard(dispatch.clone());
    hooks::use_hash_changes(dispatch.clone());
    hooks::use_autoplay(state.view.autoplay, dispatch.clone());
    hooks::use_question_focus(
        state.question,
        state.question.is_some_and(|q| state.answers.iter().any(|(a, _)| *a == q)),
    );
    hooks::use_draft_keeper(&state);
    hooks::use_builder(&state);
    hooks::use_leave_guard(state.edited && !state.view.embed);
    crate::course::use_course(&state, props.fragment.origin.clone());
    let cb = use_callbacks(dispatch.clone());
    let snap = use_memo((Rc::clone(&state.model), state.t_us), |(m, t)| m.snapshot_at(*t));

    // Embed mode: ring, time controls and captions; other panels only if the link names them
    // (`panels=...`) or the reader asks for more.
    let (embed, open_more, panels) = (state.view.embed, *more, state.view.panels.clone());
    let show = move |panel: Panel| !embed || open_more || panels.contains(&panel);
    let class = classes!(
        "app",
        state.reduced_motion.then_some("reduced-motion"),
        state.playing.then_some("playing"),
        embed.then_some("embed"),
        (embed && !open_more && state.view.panels.contains(&Panel::Legend)).then_some("with-legend"),
        (state.view.text_scale() > 1).then_some("scaled")
    );
    // Before the children render: the canvas reads the theme's colours when it draws.
    dom::set_theme(state.view.theme);
    // Every font size in the stylesheet is a multiple of `--scale` (2 on a projector).
    let style = format!("--scale: {}", state.view.text_scale());
    let (t, end_us) = (state.t_us, state.model.end_us);
    let refs = (use_node_ref(), use_node_ref());
    {
        let refs = refs.clone();
        crate::live::use_painter(t, Rc::new(move |t_us, between| crate::view::transport::paint(&refs, t_us, between)));
    }
    let times = TransportProps {
        refs,
        t_us: t,
        end_us,
        playing: state.playing,
        speed: state.speed,
        on_toggle: act(&dispatch, Action::TogglePlay),
        on_step_prev: act(&dispatch, Action::StepPrev),
        on_step_next: act(&dispatch, Action::StepNext),
        on_seek: cb.seek.clone(),
        on_speed: cb.speed.clone(),
    };
    html! {
        <div {class} {style}>
            <button class="skip" data-action="skip-to-time" onclick={Callback::from(|_: MouseEvent| skip_to_time())}>{ "Skip to the time controls" }</button>
            if !embed { { header::header(&state) } }
            { error_bar(&state) }
            { build_progress(&state) }
            { draft_bar(&state) }
            if let Some(imp) = &state.imported {
                { imported_view(&state, imp, &cb, act(&dispatch, Action::CloseHistory)) }
            } else {
                { captions(&state) }
                // The open question and the time controls stay on screen together, under the ring
                // (the stylesheet's `order` draws them there). They come before the ring and the
                // settings in the page, so that Tab reaches them right after the lesson's words.
                <div class="dock">
                    { checkpoint(&state) }
                    { transport(&times) }
                </div>
                { main_grid(&state, &snap, &cb, &show) }
                if embed { { header::embed_bar(&state, &more, &open_ref) } }
                { lower_panels(&state, &cb, &show) }
            }
            <div class="visually-hidden" aria-live="polite" aria-atomic="true" id="narration">{ narration(&state) }</div>
            if !embed && state.imported.is_none() { { footer(&state) } }
            { dialogs::dialogs(&state.dialog, act(&dispatch, Action::CloseDialog), header::on_figure(&state)) }
        </div>
    }
}

/// The skip button: the play button takes the focus (the settings are 30-odd Tab stops away).
fn skip_to_time() {
    let play =
        dom::element(".transport .play").and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
    if let Some(play) = play {
        let _ = play.focus();
    }
}

/// Why the last thing asked for was not done, with a button to dismiss it.
fn error_bar(state: &UseReducerHandle<AppState>) -> Html {
    let Some(err) = &state.error else { return html! {} };
    let dismiss = state.dispatcher().to_callback().reform(|_: MouseEvent| Action::DismissError);
    html! {
        <div class="error" role="alert" key={state.notices.to_string()}>
            <strong>{ "Not applied: " }</strong>{ err.clone() }
            <button onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
        </div>
    }
}

/// A long run being computed in slices: what, how far, and Cancel (the experiment on screen
/// stays as it was).
fn build_progress(state: &UseReducerHandle<AppState>) -> Html {
    let Some(p) = &state.pending else { return html! {} };
    let cancel = state.dispatcher().to_callback().reform(|_: MouseEvent| Action::CancelBuild);
    let (at, end, pct) = (state.pending_us.min(p.end_us), p.end_us, state.pending_pct);
    html! {
        <div class="building" role="status" data-building="1">
            <p>{ words::computing(&p.title, at, end, pct) }</p>
            <div class="bar" role="progressbar" aria-label="Run computed" aria-valuemin="0" aria-valuemax="100" aria-valuenow={pct.to_string()}>
                <span style={format!("width: {pct}%")}></span>
            </div>
            <button data-action="cancel-build" onclick={cancel}>{ "Cancel" }</button>
        </div>
    }
}

/// The student's own experiment from before (a reload, a lesson picked over it), offered back.
fn draft_bar(state: &UseReducerHandle<AppState>) -> Html {
    if state.draft.is_none() {
        return html! {};
    }
    let d = state.dispatcher();
    let restore = d.to_callback().reform(|_: MouseEvent| Action::RestoreDraft);
    let discard = d.to_callback().reform(|_: MouseEvent| {
        dom::keep_draft(None);
        Action::DiscardDraft
    });
    html! {
        <div class="draft" role="status" data-draft="1">
            { words::DRAFT_KEPT }
            <button data-action="restore-draft" onclick={restore}>{ "Restore it" }</button>
            <button data-action="discard-draft" onclick={discard}>{ "Discard" }</button>
        </div>
    }
}

/// The experiment's title and description, and the lesson's caption at this instant. Once the
/// student changed the lesson, it says so, and the lesson's captions are marked as describing
/// the original run.
fn captions(state: &UseReducerHandle<AppState>) -> Html {
    let sc = state.model.sc();
    let edited = state.edited.then(|| words::from_lesson(state.lesson_number().unwrap_or(0)));
    let reveal = state.dispatcher().to_callback().reform(|_: MouseEvent| Action::ToggleReveal);
    // A region of its own: every part of the page is in a landmark, so a screen reader's list of
    // them reaches it. An embed has no header, so the experiment's title is its heading.
    html! {
        <section class="captions" aria-label="Lesson">
            if state.view.embed { <h1 class="visually-hidden">{ format!("Quorumscope: {}", sc.title) }</h1> }
            <p class="caption">
                if let Some(e) = &edited { <span class="edited" data-edited="1">{ e.clone() }</span>{ " " } }
                <strong>{ sc.title.clone() }</strong>{ " " }<span class="description">{ sc.description.clone() }</span>
                { " " }<button class="reveal-toggle link" data-action="reveal" aria-pressed={state.view.reveal.to_string()} onclick={reveal}
                    title={words::REVEAL_HELP}>{ if state.view.reveal { words::REVEAL_OFF } else { words::REVEAL_ON } }</button>
            </p>
            if let Some(note) = &state.model.report.stats.note {
                <p class="run-note" role="note" data-capped="1"><strong>{ "Stopped early: " }</strong>{ note.clone() }{ "." }{ words::CAPPED_NOTE }</p>
            }
            if let Some(note) = state.model.siblings_note(state.known_text_us()) {
                <p class="run-note" role="note" data-siblings="1"><strong>{ "Sibling limit: " }</strong>{ note }</p>
            }
            if let Some(step) = state.caption() {
                <p class={classes!("step-caption", edited.is_some().then_some("original"))} role="status" aria-live="polite">
                    if edited.is_some() { <em>{ words::ORIGINAL_CAPTION }</em>{ " " } }
                    { step.caption.clone() }
                </p>
            }
        </section>
    }
}

/// A callback that dispatches `action`.
fn act(d: &UseReducerDispatcher<AppState>, action: Action) -> Callback<()> {
    let d = d.clone();
    Callback::from(move |_: ()| d.dispatch(action.clone()))
}

/// The checkpoint question waiting for the student, if any.
fn checkpoint(state: &UseReducerHandle<AppState>) -> Html {
    let Some(i) = state.question else { return html! {} };
    let Some(step) = state.model.file.steps.get(i) else { return html! {} };
    let answered = state.answers.iter().find(|(a, _)| *a == i).map(|(_, c)| *c);
    let d = state.dispatcher().to_callback();
    dialogs::checkpoint(&CheckpointProps {
        index: i,
        step,
        answered,
        on_answer: d.reform(|(s, c)| Action::Answer(s, c)),
        on_continue: d.reform(|_| Action::Continue),
    })
}

/// Controls on the left, the ring (with the quorum line and the legend) in the middle, the
/// inspector on the right; in the page, the ring first.
fn main_grid(state: &AppState, snap: &Rc<Snapshot>, cb: &Callbacks, show: &dyn Fn(Panel) -> bool) -> Html {
    let model = &state.model;
    let (t, text_t) = (state.t_us, state.text_t_us());
    // The verdict on a quorum only once the operation has completed.
    let quorum_line = state.focus().op.filter(|o| model.op_done(*o, state.known_us())).map(|o| model.quorum_line(o));
    let class = classes!(
        "grid",
        (!show(Panel::Controls)).then_some("no-left"),
        (!show(Panel::Inspector)).then_some("no-right")
    );
    html! {
        <main {class}>
            <section class="center" aria-label="Cluster">
                <Ring model={Rc::clone(model)} snap={Rc::clone(snap)} t_us={t} hooks_t_us={text_t} known_us={state.known_us()} selection={state.focus()} on_node={cb.node.clone()} on_msg={cb.msg.clone()} text_scale={state.view.text_scale()} theme={state.view.theme} />
                if let Some(line) = quorum_line { <p class="quorum-line" role="status">{ line }</p> }
                if show(Panel::Legend) { { legend() } }
            </section>
            // After the ring in the page (Tab reaches the ring first); drawn on its left.
            if show(Panel::Controls) {
                <aside class="left" aria-label="Controls">
                    <Controls model={Rc::clone(model)} on_set={cb.set.clone()} on_intervene={cb.intervene.clone()} on_undo={cb.undo.clone()} can_undo={!state.interventions.is_empty()} asking={state.asking()} />
                </aside>
            }
            if show(Panel::Inspector) {
                <aside class="right" aria-label="Details">
                    <Inspector model={Rc::clone(model)} snap={Rc::clone(snap)} t_us={text_t} known_us={state.known_text_us()} selection={state.focus()} on_intervene={cb.intervene.clone()} on_msg={cb.msg.clone()} on_op={cb.op.clone()} asking={state.asking()} />
                </aside>
            }
        </main>
    }
}

/// The space-time diagram, then the history and the Merkle view side by side.
fn lower_panels(state: &UseReducerHandle<AppState>, cb: &Callbacks, show: &dyn Fn(Panel) -> bool) -> Html {
    let (model, t) = (&state.model, state.t_us);
    html! {
        <>
            if show(Panel::SpaceTime) {
                <SpaceTime model={Rc::clone(model)} t_us={t} known_us={state.known_text_us()} selection={state.focus()} on_seek={cb.seek.clone()} on_op={cb.op.clone()} />
            }
            if show(Panel::Consistency) {
                { consistency_panel(&ConsistencyProps {
                    verdicts: model.verdicts(),
                    over: Over::Run { t_us: state.known_text_us(), end_us: model.end_us },
                    asking: state.asking(),
                    selected: state.focus().verdict,
                    on_select: cb.verdict.clone(),
                }) }
            }
            if show(Panel::History) || show(Panel::Merkle) {
                <div class="bottom">
                    if show(Panel::History) { <History model={Rc::clone(model)} t_us={state.known_text_us()} selection={state.focus()} on_op={cb.op.clone()} on_anomaly={cb.anomaly.clone()} /> }
                    if show(Panel::Merkle) { { merkle_view(&MerkleProps { model: Rc::clone(model), t_us: t }) } }
                </div>
            }
            if show(Panel::Lab) { <LabPanel lab={Rc::clone(&state.lab)} model={Rc::clone(model)} d={state.dispatcher()} /> }
        </>
    }
}

/// An imported Jepsen history instead of the experiment: what it is, its lanes, its verdicts.
fn imported_view(state: &AppState, imp: &crate::state::Imported, cb: &Callbacks, back: Callback<()>) -> Html {
    let h = &imp.verdicts.history;
    let back = back.reform(|_: MouseEvent| ());
    let selected = state.selection.verdict;
    html! {
        <main class="imported">
            <section class="captions" aria-label="Imported history">
                <p class="caption"><strong>{ format!("History: {}", imp.name) }</strong>{ " " }
                    <span class="description">{ format!("{} operations by {} processes. {}", h.ops.len(), h.clients.len(), words::HISTORY_NOTE) }</span>
                    { " " }<button class="link" data-action="close-history" onclick={back}>{ "Back to the experiment" }</button>
                </p>
            </section>
            <section class="panel spacetime history-lanes" aria-label="The history's operations">
                <header class="panel-head"><h2>{ "Operations by process" }</h2></header>
                { history_lanes(&imp.verdicts, selected) }
            </section>
            { consistency_panel(&ConsistencyProps { verdicts: &imp.verdicts, over: Over::Log, asking: false, selected, on_select: cb.verdict.clone() }) }
        </main>
    }
}

/// The live region's sentence: the latest event worth telling, on the narration's clock.
fn narration(state: &AppState) -> String {
    state.model.narration(state.narration_t_us())
}

fn footer(state: &AppState) -> Html {
    let (model, sc) = (&state.model, state.model.sc());
    html! {
        <footer class="foot muted">{ format!("seed {} · {} nodes · {} events simulated · {}", sc.seed, sc.nodes.len(), model.rec().events, fmt_ms(model.end_us)) }</footer>
    }
}
