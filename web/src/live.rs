//! What moves between two renders while playing: the messages on the ring's canvas, the
//! space-time cursor, the scrubber and the clock.
//!
//! Re-rendering the whole page through Yew every animation frame cost most of a frame's work, yet
//! almost nothing on it changes that often: the page re-renders only when what its elements show
//! changes (a trace event, a caption, a tick of the coarse text clock: `AppState`'s `PartialEq`).
//! Each component whose drawing follows the exact time registers a painter at every render; the
//! clock calls them all with the exact time on each frame in between.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Draws the component's live part at simulated time `t_us`; `between` when called by the clock
/// between two renders (a painter may then skip what is off screen or paint less often), not
/// after a render (which always paints: the elements must show the exact instant rendered).
pub type Painter = Rc<dyn Fn(u64, bool)>;

/// The ring, the space-time diagram and the transport: a few per page (an embed has fewer).
const MAX_PAINTERS: usize = 16;

thread_local! {
    /// Painters by the id of the component that registered them (ordered: painted in order).
    static PAINTERS: RefCell<BTreeMap<u32, Painter>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
    /// The animation frame's timestamp (real milliseconds) of the paint under way.
    static FRAME_MS: Cell<f64> = const { Cell::new(0.0) };
}

/// The real time of the frame being painted (the animation frame's timestamp, in ms): a painter
/// that paints less often than every frame reads it instead of the page's clock.
pub fn frame_ms() -> f64 {
    FRAME_MS.with(|f| f.get())
}

/// Paints at `rendered_us` after this render, and registers `paint` until the next render or
/// until the component goes. (A trait object, not a generic: one copy of the hook's code.)
#[hook]
pub fn use_painter(rendered_us: u64, paint: Painter) {
    let id = *use_memo((), |_| {
        NEXT_ID.with(|n| {
            n.set(n.get().wrapping_add(1));
            n.get()
        })
    });
    use_effect(move || {
        paint(rendered_us, false);
        PAINTERS.with(|p| {
            let mut p = p.borrow_mut();
            p.insert(id, paint);
            debug_assert!(p.len() <= MAX_PAINTERS, "{} painters registered", p.len());
        });
        move || {
            PAINTERS.with(|p| p.borrow_mut().remove(&id));
        }
    });
}

/// Paints every live part at `t_us`, in the animation frame of timestamp `frame_ms`.
pub fn paint(t_us: u64, frame_ms: f64) {
    FRAME_MS.with(|f| f.set(frame_ms));
    // Cloned out first: a painter may make its component render, which re-registers painters.
    let painters: Vec<Painter> = PAINTERS.with(|p| p.borrow().values().cloned().collect());
    for p in painters {
        p(t_us, true);
    }
}
