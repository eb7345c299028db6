//! Pure view components: props in, HTML/SVG out, callbacks for what the user does.

pub mod controls;
pub mod history;
pub mod inspector;
pub mod layout;
pub mod merkle;
pub mod messages;
pub mod ring;
pub mod spacetime;
pub mod transport;

use quorumscope_core::trace::MsgKind;
use yew::prelude::*;

/// Each message kind has a colour (Okabe–Ito, via CSS variables) *and* a shape and fill, so
/// colour is never the only signal.
pub fn msg_label(kind: MsgKind) -> &'static str {
    match kind {
        MsgKind::Put => "put",
        MsgKind::PutAck => "put ack",
        MsgKind::Get => "get",
        MsgKind::GetReply => "get reply",
        MsgKind::ReadRepair => "read repair",
        MsgKind::Handoff => "hinted handoff",
        MsgKind::HandoffAck => "handoff ack",
        MsgKind::Merkle => "Merkle exchange",
    }
}

/// The marker shape for a kind, centred on (0, 0), about 12 px across.
pub fn msg_shape(kind: MsgKind) -> Html {
    let class = format!("msg-shape k-{}", kind.name());
    match kind {
        MsgKind::Put => html! { <circle class={class} r="6" /> },
        MsgKind::PutAck => html! { <circle class={classes!(class, "hollow")} r="4.5" /> },
        MsgKind::Get => html! { <path class={class} d="M0 -7 L7 0 L0 7 L-7 0 Z" /> },
        MsgKind::GetReply => html! { <path class={classes!(class, "hollow")} d="M0 -6 L6 0 L0 6 L-6 0 Z" /> },
        MsgKind::ReadRepair => html! { <rect class={class} x="-5.5" y="-5.5" width="11" height="11" /> },
        MsgKind::Handoff => html! { <path class={class} d="M0 -7 L7 6 L-7 6 Z" /> },
        MsgKind::HandoffAck => html! { <path class={classes!(class, "hollow")} d="M0 -6 L6 5 L-6 5 Z" /> },
        MsgKind::Merkle => html! { <path class={class} d="M-3.5 -6 L3.5 -6 L7 0 L3.5 6 L-3.5 6 L-7 0 Z" /> },
    }
}

/// The key to message shapes (a plain function: it has no state of its own).
pub fn legend() -> Html {
    html! {
        <ul class="legend" aria-label="Message kinds">
            { for MsgKind::ALL.iter().map(|k| html! {
                <li>
                    <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">{ msg_shape(*k) }</svg>
                    { msg_label(*k) }
                </li>
            }) }
            <li>
                <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
                    <circle class="msg-shape k-put" r="6" opacity="0.5" /><path class="drop-x" d="M-5 -5 L5 5 M5 -5 L-5 5" />
                </svg>
                { "dropped" }
            </li>
        </ul>
    }
}
