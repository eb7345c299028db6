//! Pure view components: props in, HTML/SVG out, callbacks for what the user does.

pub mod consistency;
pub mod controls;
pub mod history;
pub mod inspector;
pub mod kinds;
pub mod lab;
pub mod layout;
pub mod merkle;
pub mod messages;
pub mod ring;
pub mod spacetime;
pub mod transport;
