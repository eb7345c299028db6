//! The staleness lab panel: the experiment's form (model, N, (R, W) choices, trials, seed, the
//! mechanisms the PBS paper leaves out), Run with a progress bar and Cancel, the curves of
//! P(consistent read) against t with the closed form, the latencies and t-visibility beside
//! them, and "show me a stale read at t = X ms". Its state is the reducer's (`lab.rs`); the
//! trials run in the worker (`lab_run.rs`).

use crate::chart::{self, Frame};
use crate::lab::{Field, Lab, LabAction, Outcome, Run, MODELS, SCENARIO_MODEL};
use crate::lab_run;
use crate::state::{Action, AppState};
use crate::words;
use quorumscope_core::num::{fixed, num};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The curves' colours: message kinds' colours, which every theme defines.
const COLOURS: [&str; 5] =
    ["var(--c-put)", "var(--c-get_reply)", "var(--c-read_repair)", "var(--c-handoff)", "var(--c-merkle)"];

type Dispatch = UseReducerDispatcher<AppState>;

fn value(e: &Event) -> String {
    let t = e.target();
    if let Some(i) = t.clone().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
        return if i.type_() == "checkbox" { i.checked().to_string() } else { i.value() };
    }
    t.and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value()).unwrap_or_default()
}

/// A callback that reads the control's value and, if it parses, sets the field (a plain function
/// pointer: one copy of this in the bundle, not one per field).
fn on(d: &Dispatch, f: fn(&str) -> Option<Field>) -> Callback<Event> {
    let d = d.clone();
    Callback::from(move |e: Event| {
        if let Some(field) = f(&value(&e)) {
            d.dispatch(Action::Lab(LabAction::Set(field)));
        }
    })
}

fn number(name: &str, label: &str, v: String, min: &str, step: &str, disabled: bool, cb: Callback<Event>) -> Html {
    let max = (name == "lab-trials").then(|| crate::lab::MAX_TRIALS.to_string());
    html! {
        <label class="field">{ label }
            <input type="number" name={name.to_string()} min={min.to_string()} {max} step={step.to_string()} value={v} {disabled} onchange={cb} />
        </label>
    }
}

fn check(name: &str, label: &str, v: bool, disabled: bool, cb: Callback<Event>) -> Html {
    html! { <label class="toggle"><input type="checkbox" name={name.to_string()} checked={v} {disabled} onchange={cb} />{ label }</label> }
}

fn form(lab: &Lab, d: &Dispatch) -> Html {
    let busy = lab.running();
    let models = MODELS.iter().enumerate().map(|(i, m)| {
        html! { <option value={i.to_string()} selected={i == lab.model}>{ *m }</option> }
    });
    html! {
        <div class="lab-form">
            <label class="field">{ "Latency model" }
                <select name="lab-model" disabled={busy} onchange={on(d, |v| v.parse().ok().map(Field::Model))}>{ for models }</select>
            </label>
            { number("lab-n", "N (replicas)", lab.n.to_string(), "1", "1", busy, on(d, |v| v.parse().ok().map(Field::N))) }
            <label class="field">{ "(R, W) choices" }
                <input name="lab-choices" value={lab.choices.clone()} disabled={busy} title="Pairs R,W separated by spaces, e.g. 1,1 2,1 2,2"
                    onchange={on(d, |v| Some(Field::Choices(v.to_string())))} />
            </label>
            { number("lab-trials", if lab.paper_only() { "Trials" } else { "Trials per t" }, lab.trials.to_string(), "1", "1000", busy, on(d, |v| v.parse().ok().map(Field::Trials))) }
            { number("lab-seed", "Seed", lab.seed.to_string(), "0", "1", busy, on(d, |v| v.parse().ok().map(Field::Seed))) }
            { number("lab-tmax", "t up to (ms)", num(lab.t_max_ms), "0", "any", busy, on(d, |v| crate::parse_f64(v).map(Field::TMax))) }
            <fieldset class="lab-mech" disabled={busy}>
                <legend>{ words::LAB_MECHANISMS }</legend>
                { check("lab-read-repair", "Read repair", lab.read_repair, busy, on(d, |v| Some(Field::ReadRepair(v == "true")))) }
                { check("lab-sloppy", "Sloppy quorum + hinted handoff", lab.sloppy, busy, on(d, |v| Some(Field::Sloppy(v == "true")))) }
                { number("lab-anti-entropy", "Anti-entropy every (ms, 0 = off)", num(lab.anti_entropy_ms), "0", "any", busy, on(d, |v| crate::parse_f64(v).map(Field::AntiEntropy))) }
                { number("lab-crashes", "Crashes per node per s", num(lab.crashes_per_s), "0", "any", busy, on(d, |v| crate::parse_f64(v).map(Field::Crashes))) }
                { number("lab-crash-ms", "Each crash lasts (ms)", num(lab.crash_ms), "0", "any", busy, on(d, |v| crate::parse_f64(v).map(Field::CrashMs))) }
                { number("lab-writes", "Other writes to the key per s", num(lab.writes_per_s), "0", "any", busy, on(d, |v| crate::parse_f64(v).map(Field::Writes))) }
            </fieldset>
        </div>
    }
}

fn run_bar(p: &LabProps) -> Html {
    let (lab, d) = (&p.lab, &p.d);
    let run = {
        let (d, lab, model) = (d.clone(), Rc::clone(lab), Rc::clone(&p.model));
        Callback::from(move |_: MouseEvent| {
            let scenario = serde_json::to_string(&model.file).unwrap_or_default();
            let started =
                lab.experiments(&scenario).and_then(|sent| lab_run::start(sent.clone(), d.clone()).map(|_| sent));
            d.dispatch(Action::Lab(match started {
                Ok(sent) => LabAction::Started(sent),
                Err(e) => LabAction::Failed(e),
            }));
        })
    };
    let cancel = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            lab_run::stop();
            d.dispatch(Action::Lab(LabAction::Cancel));
        })
    };
    let status = match &lab.run {
        Run::Running { choice, of, done, total } => format!(
            "Running choice {} of {}: {} of {} trials (the curve's, then those for k = 1)",
            choice + 1,
            of,
            chart::grouped(*done),
            chart::grouped(*total)
        ),
        Run::Finding => "Looking for a stale trial…".into(),
        Run::Opened => "The stale trial is open at the top of the page, at the instant its get returned.".into(),
        Run::Done => "Done.".into(),
        Run::Cancelled => words::LAB_CANCELLED.into(),
        Run::Failed(e) => e.clone(),
        Run::Idle => String::new(),
    };
    let failed = matches!(lab.run, Run::Failed(_));
    html! {
        <div class="lab-run">
            if lab.running() {
                <button data-action="lab-cancel" onclick={cancel}>{ "Cancel" }</button>
            } else {
                <button class="primary" data-action="lab-run" onclick={run}>{ "Run" }</button>
            }
            if matches!(lab.run, Run::Running { .. }) {
                <progress max="1000" value={fixed(lab.progress() * 1000.0, 0)} aria-label="Trials run"></progress>
            }
            <span class={classes!("lab-status", failed.then_some("bad"))} role="status" data-lab-status="1">{ status }</span>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CurvesProps {
    pub lab: Rc<Lab>,
    pub d: Dispatch,
}

/// The chart, drawn at its element's width (a component only for that width).
#[function_component]
pub fn Curves(p: &CurvesProps) -> Html {
    let wrap = use_node_ref();
    let width_px = crate::hooks::use_width(wrap.clone());
    html! { <div class="lab-chart-wrap" ref={wrap}>{ curves(&p.lab, &p.d, width_px) }</div> }
}

fn curves(lab: &Lab, d: &Dispatch, width_px: f64) -> Html {
    let res = &lab.results;
    let all = || res.iter().chain(lab.kept.iter());
    let t_max = all().flat_map(|o| o.points.iter().map(|p| p.0)).fold(0.0, f64::max);
    let floor = chart::p_floor(all().flat_map(|o| o.points.iter().map(|p| p.1).chain([1.0 - o.closed_stale])));
    let f = Frame::new(width_px, t_max, floor);
    let ticks_t = chart::ticks(t_max, 5);
    // From 100 % down, so the top of the chart is labelled.
    let ticks_p = chart::ticks(1.0 - floor, 5).into_iter().map(|x| 1.0 - x).filter(|p| *p >= floor - 1e-9);
    let x_labels = ticks_t.iter().map(|t| {
        html! { <text x={fixed(f.x(*t), 1)} y={fixed(f.x_axis_y() + 16.0, 1)} text-anchor="middle">{ num(*t) }</text> }
    });
    let y_labels = ticks_p.map(|p| {
        let y = fixed(f.y(p), 1);
        html! {
            <g>
                <line class="grid" x1={fixed(f.left, 1)} x2={fixed(f.right_x(), 1)} y1={y.clone()} y2={y.clone()} />
                <text x={fixed(f.left - 6.0, 1)} y={fixed(f.y(p) + 4.0, 1)} text-anchor="end">{ fixed(p * 100.0, 0) }</text>
            </g>
        }
    });
    let lines = res.iter().enumerate().map(|(i, o)| {
        let colour = format!("--lc: {}", COLOURS[i % COLOURS.len()]);
        let closed = fixed(f.y(1.0 - o.closed_stale), 1);
        let dots = o.points.iter().map(|(t, p)| {
            let (t, picked) = (*t, lab.pick == Some((i, *t)));
            let d = d.clone();
            let onclick = Callback::from(move |_: MouseEvent| d.dispatch(Action::Lab(LabAction::Pick(i, t))));
            html! {
                <circle class={classes!("dot", picked.then_some("picked"))} cx={fixed(f.x(t), 1)} cy={fixed(f.y(*p), 1)} r={if picked { "5" } else { "3" }} {onclick} data-point={format!("{i}:{}", num(t))}>
                    <title>{ format!("R={} W={}: t = {} ms, P(consistent) = {}", o.r, o.w, num(t), chart::percent(*p)) }</title>
                </circle>
            }
        });
        html! {
            <g class="curve" style={colour} data-curve={format!("{},{}", o.r, o.w)}>
                <line class="closed" x1={fixed(f.left, 1)} x2={fixed(f.right_x(), 1)} y1={closed.clone()} y2={closed} />
                <path d={chart::path(&f, &o.points)} />
                { for dots }
            </g>
        }
    });
    // Kept from an earlier run: dotted, under the new curves, in the colour of their choice.
    let kept = lab.kept.iter().enumerate().map(|(i, o)| {
        html! {
            <g class="curve kept" style={format!("--lc: {}", COLOURS[i % COLOURS.len()])} data-kept={format!("{},{}", o.r, o.w)}>
                <path d={chart::path(&f, &o.points)}><title>{ format!("kept: {}", o.label()) }</title></path>
            </g>
        }
    });
    let (bx, by) = (fixed(f.left, 1), fixed(f.x_axis_y(), 1));
    html! {
        <svg class="lab-chart" viewBox={format!("0 0 {} {}", fixed(f.w, 0), fixed(f.h, 0))} width={fixed(f.w, 0)} height={fixed(f.h, 0)} role="img"
            aria-label="P(consistent read) against t after the write commits, one curve per (R, W) choice, with the closed form dashed">
            { for y_labels }
            { for x_labels }
            <line class="axis" x1={bx.clone()} x2={fixed(f.right_x(), 1)} y1={by.clone()} y2={by.clone()} />
            <line class="axis" x1={bx.clone()} x2={bx} y1={fixed(f.top, 1)} y2={by} />
            <text x={fixed((f.left + f.right_x()) / 2.0, 1)} y={fixed(chart::HEIGHT - 6.0, 1)} text-anchor="middle">{ "t after the write commits (ms)" }</text>
            <text x="4" y="14" class="ylabel">{ "P(consistent read) %" }</text>
            { for kept }
            { for lines }
        </svg>
    }
}

/// Which colour is which choice; the dashed line of each is its closed form.
fn legend(lab: &Lab, d: &Dispatch) -> Html {
    let items = lab.results.iter().enumerate().map(|(i, o)| {
        html! {
            <span class="lab-key" style={format!("--lc: {}", COLOURS[i % COLOURS.len()])}>
                <span class="swatch" aria-hidden="true"></span>{ o.label() }
                <span class="swatch dashed" aria-hidden="true"></span>{ format!("closed form: P(consistent) = {}", o.closed_exact_consistent()) }
            </span>
        }
    });
    let kept = lab.kept.iter().enumerate().map(|(i, o)| {
        html! {
            <span class="lab-key" style={format!("--lc: {}", COLOURS[i % COLOURS.len()])} data-kept-key="1">
                <span class="swatch dotted" aria-hidden="true"></span>{ format!("kept: {}", o.label()) }
            </span>
        }
    });
    let act = |a: LabAction| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Lab(a.clone())))
    };
    html! {
        <>
            <p class="lab-legend">{ for items }{ for kept }</p>
            <p class="lab-keep">
                <button data-action="lab-keep" onclick={act(LabAction::Keep)} disabled={lab.running()}>{ words::LAB_KEEP }</button>
                if !lab.kept.is_empty() {
                    { " " }<button data-action="lab-clear-kept" onclick={act(LabAction::ClearKept)}>{ words::LAB_CLEAR_KEPT }</button>
                }
            </p>
        </>
    }
}

fn level(xs: &[(String, f64)], l: &str) -> String {
    xs.iter().find(|(k, _)| k == l).map_or("–".into(), |(_, x)| num(*x))
}

fn table(lab: &Lab) -> Html {
    let rows = lab.results.iter().enumerate().map(|(i, o): (usize, &Outcome)| {
        let vis = match o.visibility("99.9") {
            Some(Some(t)) => format!("{} ms", chart::sig3(t)),
            _ => "beyond the t tried".into(),
        };
        html! {
            <tr style={format!("--lc: {}", COLOURS[i % COLOURS.len()])}>
                <th scope="row"><span class="swatch" aria-hidden="true"></span>{ format!("R={} W={}", o.r, o.w) }</th>
                <td>{ format!("{} / {} / {}", level(&o.read_ms, "50"), level(&o.read_ms, "99"), level(&o.read_ms, "99.9")) }</td>
                <td>{ format!("{} / {} / {}", level(&o.write_ms, "50"), level(&o.write_ms, "99"), level(&o.write_ms, "99.9")) }</td>
                <td data-visibility={format!("{},{}", o.r, o.w)}>{ vis }</td>
                <td>{ format!("{} ({})", chart::percent(o.points.first().map_or(0.0, |p| p.1)), chart::percent(1.0 - o.closed_stale)) }</td>
                <td data-k1={format!("{},{}", o.r, o.w)}>{ o.simulated_k1.map_or("–".into(), |k| format!("{} ({})", chart::percent(k), chart::percent(o.closed_stale))) }</td>
                <td>{ format!("{} in {} ms", chart::grouped(o.trials), fixed(o.ms, 0)) }{ if o.excluded > 0 { format!(", {} left out (put or get failed)", chart::grouped(o.excluded)) } else { String::new() } }</td>
            </tr>
        }
    });
    html! {
        // Scrolls sideways on a narrow screen: a focusable region, so the keyboard can scroll it.
        <div class="lab-table" tabindex="0" role="region" aria-label="Latencies and t-visibility per choice">
            <table>
                <thead><tr>
                    <th scope="col">{ "Choice" }</th>
                    <th scope="col">{ "Read ms" }<br/><span class="muted">{ "50 / 99 / 99.9th" }</span></th>
                    <th scope="col">{ "Write ms" }<br/><span class="muted">{ "50 / 99 / 99.9th" }</span></th>
                    <th scope="col">{ "t-visibility" }<br/><span class="muted">{ "99.9 % consistent, to 3 figures" }</span></th>
                    <th scope="col">{ "Consistent at t = 0" }<br/><span class="muted">{ "(closed form)" }</span></th>
                    <th scope="col">{ "Missed the last write" }<br/><span class="muted">{ "k = 1, trials of their own (closed form)" }</span></th>
                    <th scope="col">{ "Trials" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}

/// "Show me a stale read at t = X ms": the curve and t picked (on the chart, or here).
fn show_me(lab: &Lab, d: &Dispatch) -> Html {
    let (choice, t) = lab.pick.unwrap_or_else(|| {
        let first = lab.results.first().and_then(|o| o.points.iter().find(|p| p.1 < 1.0)).map_or(0.0, |p| p.0);
        (0, first)
    });
    let Some(o) = lab.results.get(choice) else { return html! {} };
    let p = o.points.iter().find(|x| x.0 == t).map_or(1.0, |x| x.1);
    let choices = lab.results.iter().enumerate().map(|(i, o)| {
        html! { <option value={i.to_string()} selected={i == choice}>{ format!("R={} W={}", o.r, o.w) }</option> }
    });
    let ts = o.points.iter().map(|(x, p)| {
        html! { <option value={num(*x)} selected={*x == t}>{ format!("{} ms ({} consistent)", num(*x), chart::percent(*p)) }</option> }
    });
    let pick_choice = {
        let (d, results) = (d.clone(), lab.results.clone());
        Callback::from(move |e: Event| {
            let i: usize = value(&e).parse().unwrap_or(0);
            let t = results.get(i).and_then(|o| o.points.iter().find(|p| p.1 < 1.0)).map_or(0.0, |p| p.0);
            d.dispatch(Action::Lab(LabAction::Pick(i, t)));
        })
    };
    let pick_t = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            if let Some(t) = crate::parse_f64(&value(&e)) {
                d.dispatch(Action::Lab(LabAction::Pick(choice, t)));
            }
        })
    };
    let show = {
        let (d, req) = (d.clone(), lab.stale_request(choice, t));
        Callback::from(move |_: MouseEvent| {
            let Some(req) = req.clone() else { return };
            d.dispatch(Action::Lab(match lab_run::start(vec![req], d.clone()) {
                Ok(()) => LabAction::Finding,
                Err(e) => LabAction::Failed(e),
            }));
        })
    };
    let never = p >= 1.0;
    html! {
        <div class="lab-show">
            <label class="field">{ "Curve" }<select name="lab-show-choice" onchange={pick_choice}>{ for choices }</select></label>
            <label class="field">{ "t" }<select name="lab-show-t" onchange={pick_t}>{ for ts }</select></label>
            <button data-action="lab-show" disabled={never || lab.running()} onclick={show} title={words::LAB_SHOW_HELP}>
                { format!("Show me a stale read at t = {} ms", num(t)) }
            </button>
            if never { <span class="muted">{ " Every read was fresh there: pick a t where the curve is below 100 %." }</span> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct LabProps {
    pub lab: Rc<Lab>,
    /// The experiment (its network is one of the models).
    pub model: Rc<crate::model::Model>,
    pub d: Dispatch,
}

/// A component, so that it renders only when the lab or the experiment changes (not on every
/// frame while the run plays, which would also reset what is being typed).
#[function_component]
pub fn LabPanel(p: &LabProps) -> Html {
    let (lab, d) = (&p.lab, p.d.clone());
    let engine = lab.results.first().map(|o| o.engine.as_str());
    let scenario_model = lab.results.first().map_or(lab.model == SCENARIO_MODEL, |o| o.model == "scenario");
    html! {
        <section class="panel lab" aria-label={words::LAB_TITLE} id="lab">
            <header class="panel-head"><h2>{ words::LAB_TITLE }</h2></header>
            <p class="help">{ words::LAB_INTRO }</p>
            <div class="lab-body">
                <div class="lab-left">
                    { form(lab, &d) }
                    { run_bar(p) }
                </div>
                <div class="lab-out">
                    if lab.results.is_empty() {
                        <p class="muted">{ words::LAB_NO_RESULTS }</p>
                    } else {
                        <p class="help" data-engine={engine.unwrap_or("").to_string()}>
                            { if engine == Some("wars") { words::LAB_WARS.to_string() } else { words::lab_simulator(&lab.results[0].mechanisms) } }
                            if scenario_model { { " " }{ words::LAB_SCENARIO_NOTE } }
                        </p>
                        <Curves lab={Rc::clone(lab)} d={d.clone()} />
                        { legend(lab, &d) }
                        <p class="help">{ words::LAB_CLOSED_FORM }</p>
                        { show_me(lab, &d) }
                        { table(lab) }
                    }
                </div>
            </div>
        </section>
    }
}
