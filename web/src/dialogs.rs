//! The dialogs over the page (help, glossary, share link, embed snippet), one open at a time as
//! the reducer's `Dialog` says, and the lesson's predict-then-reveal checkpoint.

use crate::dom;
use crate::figure::{Format, What};
use crate::hooks;
use crate::state::Dialog;
use crate::words;
use quorumscope_core::scenario::StepDecl;
use yew::prelude::*;

/// Whichever dialog is open. (Plain functions where no state or effect is needed: each
/// component costs the bundle code of its own.)
/// `on_figure`: download the figure chosen in the Figure dialog.
pub fn dialogs(dialog: &Dialog, on_close: Callback<()>, on_figure: Callback<(What, Format)>) -> Html {
    match dialog {
        Dialog::None => html! {},
        Dialog::Help => html! {
            <Modal labelledby="help-title" {on_close}>
                { Html::from_html_unchecked(AttrValue::Static(words::HELP_HTML)) }
            </Modal>
        },
        Dialog::Glossary => html! {
            <Modal labelledby="glossary-title" {on_close}>
                <h2 id="glossary-title">{ words::GLOSSARY_TITLE }</h2>
                <dl class="glossary">
                    { for crate::glossary::TERMS.iter().map(|(t, d)| html! { <><dt>{ *t }</dt><dd>{ *d }</dd></> }) }
                </dl>
            </Modal>
        },
        Dialog::Link(url) => share_text(words::LINK_TITLE, url, words::LINK_NOTE, on_close),
        Dialog::Embed(snippet) => share_text(words::EMBED_TITLE, snippet, words::EMBED_NOTE, on_close),
        Dialog::Figure => figure_choice(on_close, on_figure),
    }
}

/// The Figure dialog: which view and which format, as two groups of radio buttons (the arrows
/// move within a group, Tab between them), then Download.
fn figure_choice(on_close: Callback<()>, on_figure: Callback<(What, Format)>) -> Html {
    let download = Callback::from(move |_: MouseEvent| {
        let picked = |name: &str| {
            dom::element(&format!("input[name={name}]:checked"))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok())
                .map(|e| e.value())
                .unwrap_or_default()
        };
        let what = What::from_name(&picked("figure-what")).unwrap_or(What::Ring);
        let format = Format::from_name(&picked("figure-format")).unwrap_or(Format::Svg);
        on_figure.emit((what, format));
    });
    let radio = |group: &'static str, value: &'static str, label: &'static str, checked: bool| {
        html! { <label><input type="radio" name={group} {value} {checked} />{ " " }{ label }</label> }
    };
    html! {
        <Modal labelledby="figure-title" {on_close}>
            <h2 id="figure-title">{ words::FIGURE_TITLE }</h2>
            <p class="help">{ words::FIGURE_NOTE }</p>
            <fieldset class="figure-pick">
                <legend>{ "View" }</legend>
                { radio("figure-what", "ring", "Ring", true) }
                { radio("figure-what", "spacetime", "Space-time diagram", false) }
            </fieldset>
            <fieldset class="figure-pick">
                <legend>{ "Format" }</legend>
                { radio("figure-format", "svg", "SVG (editable, text as text)", true) }
                { radio("figure-format", "png", "PNG (twice the screen's size)", false) }
            </fieldset>
            <div class="figure-actions">
                <button data-action="figure-download" onclick={download}>{ "Download" }</button>
            </div>
        </Modal>
    }
}

/// Text to copy: the link (already copied if the browser allowed it) or the embed snippet.
fn share_text(title: &'static str, text: &str, note: &'static str, on_close: Callback<()>) -> Html {
    html! {
        <Modal label={title} {on_close}>
            <h2>{ title }</h2>
            <textarea class="share-text" readonly=true rows="4" aria-label={title} value={text.to_string()} />
            <p class="help">{ note }</p>
        </Modal>
    }
}

#[derive(Properties, PartialEq)]
struct ModalProps {
    #[prop_or_default]
    label: Option<AttrValue>,
    #[prop_or_default]
    labelledby: Option<AttrValue>,
    on_close: Callback<()>,
    children: Html,
}

/// A modal dialog with a Close button, which has the focus while it is open; Escape closes it
/// too (the reducer's `Escape`), and the focus goes back where it was.
#[function_component]
fn Modal(p: &ModalProps) -> Html {
    let close = use_node_ref();
    hooks::use_modal_focus(close.clone());
    html! {
        <div class="help-dialog" role="dialog" aria-modal="true" aria-label={p.label.clone()} aria-labelledby={p.labelledby.clone()}>
            <div class="help-body">
                { p.children.clone() }
                <button ref={close} class="primary" onclick={p.on_close.reform(|_: MouseEvent| ())}>{ "Close" }</button>
            </div>
        </div>
    }
}

pub struct CheckpointProps<'a> {
    /// The step's index in the scenario's `steps`.
    pub index: usize,
    pub step: &'a StepDecl,
    /// The choice the student made, once answered.
    pub answered: Option<usize>,
    /// (step, choice)
    pub on_answer: Callback<(usize, usize)>,
    pub on_continue: Callback<()>,
}

/// A predict-then-reveal checkpoint: the run paused here and asks what happens next.
pub fn checkpoint(p: &CheckpointProps) -> Html {
    let (i, step, answered) = (p.index, p.step, p.answered);
    let choices = step.choices.iter().enumerate().map(|(ci, c)| {
        let verdict = words::verdict(ci, answered, step.answer);
        let onclick = p.on_answer.reform(move |_: MouseEvent| (i, ci));
        html! { <li><button disabled={answered.is_some()} data-choice={ci.to_string()} {onclick}>{ c.clone() }{ verdict }</button></li> }
    });
    html! {
        <section class="checkpoint" role="dialog" aria-labelledby="question-text" tabindex="-1" data-question={i.to_string()}>
            <p id="question-text"><strong>{ words::CHECKPOINT_LABEL }{ ": " }</strong>{ step.predict.clone().unwrap_or_default() }</p>
            <ul>{ for choices }</ul>
            if answered.is_some() || step.choices.is_empty() {
                if let Some(r) = &step.reveal { <p class="reveal">{ r.clone() }</p> }
                <button class="primary" data-action="continue" onclick={p.on_continue.reform(|_: MouseEvent| ())}>{ "Continue ▶" }</button>
            }
        </section>
    }
}
