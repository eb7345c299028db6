//! Play, pause, step, speed and the scrubber, plus the `#sim-time` readout.

use crate::model::fmt_ms;
use crate::state::SPEEDS;
use quorumscope_core::num::{fixed, num};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// A 16 px icon from a path (fonts differ in which media glyphs they have).
fn icon(d: &'static str) -> Html {
    html! { <svg class="icon" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><path d={d} /></svg> }
}

/// What the transport shows and does. A plain function, not a component: it changes with every
/// frame anyway, so a component would only add code.
pub struct TransportProps {
    pub t_us: u64,
    pub end_us: u64,
    pub playing: bool,
    pub speed: f64,
    pub on_toggle: Callback<()>,
    pub on_step_prev: Callback<()>,
    pub on_step_next: Callback<()>,
    pub on_seek: Callback<u64>,
    pub on_speed: Callback<f64>,
    /// The scrubber and the clock's figure, which [`paint`] moves between renders.
    pub refs: (NodeRef, NodeRef),
}

/// Real milliseconds between two moves of the scrubber and the clock while playing. Each move
/// costs a layout and a repaint of the transport; at 20 a second the thumb still glides and the
/// clock still runs (its tenths of a millisecond are unreadable at 60 a second anyway), and a
/// render or a pause always shows the exact time.
const PAINT_EVERY_MS: f64 = 50.0;

thread_local! {
    static PAINTED_AT_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NEG_INFINITY) };
}

/// Moves the scrubber and the clock to `t_us`: after a render, and at most every
/// [`PAINT_EVERY_MS`] `between` renders while playing.
pub fn paint((scrub, clock): &(NodeRef, NodeRef), t_us: u64, between: bool) {
    if between {
        let now_ms = crate::live::frame_ms();
        if now_ms - PAINTED_AT_MS.with(|p| p.get()) < PAINT_EVERY_MS {
            return;
        }
        PAINTED_AT_MS.with(|p| p.set(now_ms));
    }
    let t = fixed(t_us as f64 / 1000.0, 1);
    if let Some(input) = scrub.cast::<web_sys::HtmlInputElement>() {
        input.set_value(&t);
        let _ = input.set_attribute("aria-valuetext", &fmt_ms(t_us));
    }
    // The figure's own text node, which the render also updates (replacing it, as setting the
    // span's text would, would leave the render updating a node no longer on the page).
    if let Some(text) = clock.cast::<web_sys::Element>().and_then(|el| el.first_child()) {
        text.set_node_value(Some(&t));
    }
}

pub fn transport(p: &TransportProps) -> Html {
    let emit = |cb: &Callback<()>| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let on_scrub = {
        let cb = p.on_seek.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(v) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| crate::parse_f64(&i.value()))
            {
                cb.emit((v * 1000.0).round() as u64);
            }
        })
    };
    let on_speed = {
        let cb = p.on_speed.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .and_then(|s| crate::parse_f64(&s.value()))
            {
                cb.emit(v);
            }
        })
    };
    let (start, end) = (p.on_seek.clone(), p.on_seek.clone());
    let end_us = p.end_us;
    let t_ms = p.t_us as f64 / 1000.0;
    html! {
        <section class="transport" aria-label="Time controls">
            <button onclick={Callback::from(move |_| start.emit(0))} aria-label="Go to start" title="Start (Home)">{ icon("M3 2h2v12H3z M14 2 6 8l8 6z") }</button>
            <button onclick={emit(&p.on_step_prev)} aria-label="Step back to the previous event" title="Previous event (←)">{ icon("M12 2 4 8l8 6z") }</button>
            <button class="play" onclick={emit(&p.on_toggle)} aria-label={ if p.playing { "Pause" } else { "Play" } } title="Play / pause (space)" aria-pressed={p.playing.to_string()}>
                { if p.playing { icon("M3 2h4v12H3z M9 2h4v12H9z") } else { icon("M4 2l10 6-10 6z") } }
            </button>
            <button onclick={emit(&p.on_step_next)} aria-label="Step to the next event" title="Next event (→)">{ icon("M4 2l8 6-8 6z") }</button>
            <button onclick={Callback::from(move |_| end.emit(end_us))} aria-label="Go to end" title="End (End)">{ icon("M2 2l8 6-8 6z M11 2h2v12h-2z") }</button>
            <label class="speed">{ "speed " }
                <select onchange={on_speed} aria-label="Playback speed (simulated time per real time)">
                    { for SPEEDS.iter().map(|s| html! { <option value={num(*s)} selected={(*s - p.speed).abs() < 1e-9}>{ format!("{}×", num(*s)) }</option> }) }
                </select>
            </label>
            <input class="scrubber" ref={p.refs.0.clone()} type="range" name="time" min="0" max={fixed(end_us as f64 / 1000.0, 1)} step="0.1"
                   value={fixed(t_ms, 1)} oninput={on_scrub} aria-label="Simulated time" aria-valuetext={fmt_ms(p.t_us)} />
            // Not a live region (as an <output> is): a clock changing 50 times a second would drown the
            // narration; the scrubber says the time when asked.
            <span class="clock"><span id="sim-time" ref={p.refs.1.clone()}>{ fixed(t_ms, 1) }</span>{ format!(" / {} ms", fixed(end_us as f64 / 1000.0, 0)) }</span>
        </section>
    }
}
