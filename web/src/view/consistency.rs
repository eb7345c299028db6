//! The consistency panel: the models as a small map in the spirit of Jepsen's — linearizable
//! above sequential above causal above the four session guarantees, convergence beside — each
//! held, violated, unknown or not checked *so far* (only what has happened by the cursor). A
//! violated model shows its witness in the core's words; selecting it highlights the witness
//! and jumps to the instant it became impossible. And an imported Jepsen history: its clients as
//! lanes, its operations as spans, the witness marked.

use crate::model::{fmt_ms, Verdicts};
use quorumscope_core::num::fixed;
use quorumscope_core::{describe, HistoryKind, ModelKind, Outcome, Status, Unfolding, MODELS};
use yew::prelude::*;

/// What the panel is shown over: a run up to an instant, or a whole log.
#[derive(Clone, Copy, PartialEq)]
pub enum Over {
    /// Up to `t_us` of a run ending at `end_us`.
    Run { t_us: u64, end_us: u64 },
    /// A whole log (times are its lines).
    Log,
}

pub struct ConsistencyProps<'a> {
    pub verdicts: &'a Verdicts,
    pub over: Over,
    /// A lesson's question waits: nothing may give its answer away.
    pub asking: bool,
    pub selected: Option<usize>,
    pub on_select: Callback<usize>,
}

/// What a model's box says at the instant shown.
#[derive(Clone, Copy, PartialEq)]
enum Shown {
    HeldSoFar,
    Held,
    Violated,
    Unknown,
    NotChecked,
    NotYet,
}

impl Shown {
    fn class(self) -> &'static str {
        match self {
            Shown::HeldSoFar | Shown::Held => "held",
            Shown::Violated => "violated",
            Shown::Unknown => "unknown",
            Shown::NotChecked => "not-checked",
            Shown::NotYet => "not-yet",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Shown::HeldSoFar => "✓ held so far",
            Shown::Held => "✓ held",
            Shown::Violated => "✗ violated",
            Shown::Unknown => "? unknown",
            Shown::NotChecked => "– not checked",
            Shown::NotYet => "… not yet known",
        }
    }
}

fn title(m: ModelKind) -> &'static str {
    use quorumscope_core::Guarantee as G;
    match m {
        ModelKind::Linearizable => "Linearizable",
        ModelKind::Sequential => "Sequential",
        ModelKind::Causal => "Causal",
        ModelKind::Session(G::ReadYourWrites) => "Read your writes",
        ModelKind::Session(G::MonotonicReads) => "Monotonic reads",
        ModelKind::Session(G::MonotonicWrites) => "Monotonic writes",
        ModelKind::Session(G::WritesFollowReads) => "Writes follow reads",
    }
}

/// A model's status by the instant shown: violated only from the instant it became impossible.
fn shown(u: &Unfolding, over: Over) -> Shown {
    let (now, finished) = match over {
        Over::Run { t_us, end_us } => (t_us, t_us >= end_us),
        Over::Log => (u64::MAX, true),
    };
    match u.verdict.status {
        Status::Violated if u.since.is_none_or(|s| s <= now) || over == Over::Log => Shown::Violated,
        Status::Violated | Status::Held if !finished => Shown::HeldSoFar,
        Status::Violated | Status::Held => Shown::Held,
        Status::Unknown => Shown::Unknown,
        Status::NotChecked => Shown::NotChecked,
    }
}

fn convergence(v: &Verdicts, over: Over) -> Option<Shown> {
    let c = v.convergent.as_ref()?;
    Some(match over {
        Over::Run { t_us, end_us } if t_us < end_us => Shown::NotYet,
        _ if c.status == Status::Violated => Shown::Violated,
        _ => Shown::Held,
    })
}

fn when(over: Over, t: u64) -> String {
    match over {
        Over::Run { .. } => fmt_ms(t),
        Over::Log => format!("line {t}"),
    }
}

/// One box of the map.
fn cell(p: &ConsistencyProps, i: usize, name: &str, data: &'static str, s: Shown) -> Html {
    let on_select = p.on_select.clone();
    let selected = p.selected == Some(i);
    html! {
        <button class={classes!("cm", s.class(), selected.then_some("selected"))} data-model={data} data-status={s.class()}
            aria-pressed={selected.to_string()} onclick={Callback::from(move |_: MouseEvent| on_select.emit(i))}>
            <span class="cm-name">{ name.to_string() }</span>
            <span class="cm-status">{ s.label() }</span>
        </button>
    }
}

pub fn consistency_panel(p: &ConsistencyProps) -> Html {
    let v = p.verdicts;
    let head = match p.over {
        Over::Run { t_us, end_us } if t_us < end_us => format!("Consistency so far (by {})", fmt_ms(t_us)),
        Over::Run { .. } => "Consistency of the whole run".to_string(),
        Over::Log => "Consistency of the whole history".to_string(),
    };
    let body = if p.asking {
        html! { <p class="muted" data-asking="1">{ crate::words::ASKING_VERDICTS }</p> }
    } else {
        let boxes: Vec<Html> = v
            .models
            .iter()
            .enumerate()
            .map(|(i, u)| cell(p, i, title(u.model), u.model.name(), shown(u, p.over)))
            .collect();
        let mut boxes = boxes.into_iter();
        let conv = convergence(v, p.over).map(|s| cell(p, MODELS.len(), "Convergent", "convergent", s));
        let help = match p.over {
            Over::Log => crate::words::CONSISTENCY_MAP_LOG,
            Over::Run { t_us, end_us } if t_us >= end_us => crate::words::CONSISTENCY_MAP_END,
            Over::Run { .. } => crate::words::CONSISTENCY_MAP,
        };
        html! {
            <div class="cbody">
                <div>
                <div class="cmap" role="group" aria-label="Consistency models, strongest first">
                    <div class="cmap-main">
                        { for boxes.by_ref().take(3) }
                        <div class="cmap-sessions">{ for boxes }</div>
                    </div>
                    if let Some(c) = conv { <div class="cmap-side">{ c }</div> }
                </div>
                <p class="help">{ help }</p>
                </div>
                { detail(p) }
            </div>
        }
    };
    html! {
        <section class="panel consistency" aria-label="Consistency">
            <header class="panel-head"><h2>{ head }</h2></header>
            { body }
        </section>
    }
}

/// What the selected model's box means, with the witness of a violation.
fn detail(p: &ConsistencyProps) -> Html {
    let v = p.verdicts;
    let Some(i) = p.selected else { return html! { <p class="muted">{ crate::words::CONSISTENCY_PICK }</p> } };
    if i == MODELS.len() {
        let text = match (convergence(v, p.over), v.convergent.as_ref()) {
            (Some(Shown::NotYet), _) => crate::words::CONVERGENCE_LATER.to_string(),
            (Some(Shown::Violated), Some(c)) => c.witness.as_ref().map(|w| w.explanation.clone()).unwrap_or_default(),
            _ => "When the run ended every replica of each key held the same values.".to_string(),
        };
        return html! { <div class="cm-detail" data-detail="convergent"><p>{ text }</p></div> };
    }
    let Some(u) = v.models.get(i) else { return html! {} };
    let s = shown(u, p.over);
    let text = match s {
        Shown::Violated => u.verdict.witness.as_ref().map(|w| w.explanation.clone()).unwrap_or_default(),
        Shown::HeldSoFar => {
            "Nothing so far rules it out: the operations up to now can be ordered this way.".to_string()
        }
        Shown::Held => "Every operation can be ordered this way.".to_string(),
        _ => u.verdict.why.clone().unwrap_or_default(),
    };
    let at = u.since.filter(|_| s == Shown::Violated).map(|t| format!("Impossible from {}.", when(p.over, t)));
    // As they stood when it became impossible (the panel tells nothing of what came later).
    let ops: &[String] = if s == Shown::Violated { &u.described } else { &[] };
    html! {
        <div class="cm-detail" data-detail={u.model.name()}>
            <p>{ text }</p>
            if let Some(at) = at { <p><strong>{ at }</strong></p> }
            if !ops.is_empty() {
                <p class="muted">{ "The witness:" }</p>
                <ul class="witness">{ for ops.iter().map(|o| html! { <li>{ o.clone() }</li> }) }</ul>
            }
        </div>
    }
}

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 90.0;
const LANE_H: f64 = 22.0;
const TOP: f64 = 10.0;

/// An imported log: one lane per process, an operation a span from its invoke line to its
/// completion (to the end, dashed, if it never completed), the selected model's witness marked.
pub fn history_lanes(v: &Verdicts, selected: Option<usize>) -> Html {
    let h = &v.history;
    let last = h.ops.iter().map(|o| o.complete_us.unwrap_or(o.invoke_us)).max().unwrap_or(1).max(1) + 1;
    let plot_w = WIDTH - LEFT - 10.0;
    let x = |t: u64| LEFT + t as f64 / last as f64 * plot_w;
    let y = |lane: usize| TOP + lane as f64 * LANE_H + LANE_H / 2.0;
    let height = TOP + h.clients.len() as f64 * LANE_H + 24.0;
    let witness = selected.map(|i| v.witness(i)).unwrap_or_default();
    let lanes = h.clients.iter().enumerate().map(|(l, name)| {
        html! {
            <g class="lane client-lane">
                <line x1={fixed(LEFT, 0)} x2={fixed(WIDTH - 10.0, 0)} y1={fixed(y(l), 1)} y2={fixed(y(l), 1)} />
                <text x={fixed(LEFT - 6.0, 0)} y={fixed(y(l) + 4.0, 1)} text-anchor="end">{ format!("process {name}") }</text>
            </g>
        }
    });
    let spans = h.ops.iter().enumerate().map(|(i, o)| {
        let (x0, x1) = (x(o.invoke_us), x(o.complete_us.unwrap_or(last)));
        let outcome = match o.outcome {
            Outcome::Ok => "ok",
            Outcome::Fail => "failed",
            Outcome::Info => "info",
        };
        let kind = match o.kind {
            HistoryKind::Read => "read",
            HistoryKind::Write => "write",
            HistoryKind::Cas => "cas",
        };
        let short = match o.kind {
            HistoryKind::Read => format!("r {}", h.value_text(o.values[0])),
            HistoryKind::Write => format!("w {}", h.value_text(o.values[0])),
            HistoryKind::Cas => format!("cas {}→{}", h.value_text(o.values[0]), h.value_text(o.values[1])),
        };
        let marked = witness.contains(&(i as u32));
        let lane = o.client as usize;
        html! {
            <g class={classes!("op-span", outcome, kind, marked.then_some("witness"))} data-hop={i.to_string()}>
                <rect x={fixed(x0, 1)} y={fixed(y(lane) - 8.0, 1)} width={fixed((x1 - x0).max(2.0), 1)} height="16" rx="3" />
                if x1 - x0 > 44.0 { <text x={fixed(x0 + 3.0, 1)} y={fixed(y(lane) + 4.0, 1)}>{ short }</text> }
                <title>{ describe(h, i as u32) }</title>
            </g>
        }
    });
    html! {
        <>
        <p class="help">{ crate::words::LANES_KEY }</p>
        <div class="st-scroll" tabindex="0" role="region" aria-label="The history's operations, scrolls sideways"><div class="st-wrap">
            <svg class="st lanes" viewBox={format!("0 0 {} {}", fixed(WIDTH, 0), fixed(height, 0))} role="img"
                aria-label="Each process's operations along the log's lines; the selected model's witness is outlined">
                { for lanes }
                { for spans }
                <text class="axis" x={fixed(LEFT, 0)} y={fixed(height - 3.0, 0)}>{ "line 1" }</text>
                <text class="axis" x={fixed(WIDTH - 10.0, 0)} y={fixed(height - 3.0, 0)} text-anchor="end">{ format!("line {}", last - 1) }</text>
            </svg>
        </div></div>
        </>
    }
}
