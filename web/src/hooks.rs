//! The app's hooks into the browser: simulated time (animation frames only while playing), the
//! keyboard, the address changing, an element's width, and focus around dialogs. Each timer or
//! listener lives in an effect whose cleanup removes it.

use crate::dom;
use crate::state::{Action, AppState};
use crate::test_hooks;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

type Cleanup = Box<dyn FnOnce()>;
/// The frame callback, which schedules itself again (and is dropped to break the loop).
type FrameLoop = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

/// Advances simulated time while playing. With reduced motion, time jumps from event to event on
/// a timer instead of gliding. Paused: nothing is scheduled at all.
#[hook]
pub fn use_clock(state: &UseReducerHandle<AppState>) {
    let (playing, reduced_motion) = (state.playing, state.reduced_motion);
    let state = state.clone();
    use_effect_with((playing, reduced_motion), move |&(playing, reduced)| -> Cleanup {
        match (playing, reduced) {
            (false, _) => Box::new(|| ()),
            (true, true) => jump_every(800, state.dispatcher()),
            (true, false) => animate(state),
        }
    });
}

/// Reduced motion: the next event every `ms` milliseconds.
fn jump_every(ms: u32, dispatch: UseReducerDispatcher<AppState>) -> Cleanup {
    let interval = gloo_timers::callback::Interval::new(ms, move || {
        test_hooks::count_frame();
        dispatch.dispatch(Action::JumpNext);
    });
    Box::new(move || drop(interval))
}

/// A tick per animation frame, with the real time since the last one. When the tick changes
/// nothing the page's elements show, the page is not rendered and the live parts are painted at
/// the new instant instead ([`crate::live`]); when it does, the render paints them.
fn animate(state: UseReducerHandle<AppState>) -> Cleanup {
    let Some(window) = web_sys::window() else { return Box::new(|| ()) };
    let handle: Rc<Cell<Option<i32>>> = Rc::new(Cell::new(None));
    let frame: FrameLoop = Rc::new(RefCell::new(None));
    let last: Rc<Cell<Option<f64>>> = Rc::new(Cell::new(None));
    {
        let (handle, frame2, window) = (Rc::clone(&handle), Rc::clone(&frame), window.clone());
        *frame.borrow_mut() = Some(Closure::new(move |ts: f64| {
            let dt = last.get().map(|l| ts - l).unwrap_or(0.0);
            last.set(Some(ts));
            let t0 = test_hooks::frame_start();
            // Fresh handles each frame: a handle keeps every state it was read at.
            let before = state.clone();
            state.dispatch(Action::Tick(dt));
            let after = state.clone();
            if *before == *after && after.playing {
                crate::live::paint(after.t_us, ts);
            }
            test_hooks::frame_done(t0);
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
}

/// Which keys the focused element needs for itself.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Focus {
    /// Nothing that takes keys (the page, a panel, the ring's background).
    Free,
    /// A button, a checkbox or an element acting as one: Space and Enter press it.
    Press,
    /// A range slider: the arrows, Home and End move it.
    Slider,
    /// A select or a radio button: the arrows, Home, End and Space pick from it.
    Select,
    /// A text field: every printable key is typed.
    Text,
}

impl Focus {
    /// What kind of element `tag` is (an upper-case tag name), with its `type` and `role`.
    pub fn of(tag: &str, input_type: Option<&str>, role: Option<&str>) -> Focus {
        match (tag, input_type.unwrap_or("text"), role) {
            ("INPUT", "range", _) => Focus::Slider,
            ("INPUT", "radio", _) => Focus::Select,
            ("INPUT", "checkbox" | "button" | "submit" | "file", _) => Focus::Press,
            ("INPUT" | "TEXTAREA", _, _) => Focus::Text,
            ("SELECT", _, _) => Focus::Select,
            ("BUTTON" | "SUMMARY" | "A", _, _) | (_, _, Some("button" | "row")) => Focus::Press,
            _ => Focus::Free,
        }
    }
}

/// The action for a key pressed while `focus` has the focus: every shortcut works wherever the
/// focus is, except for the keys the focused control needs itself. Escape always counts.
pub fn shortcut(key: &str, focus: Focus) -> Option<Action> {
    let needed = match focus {
        Focus::Free => false,
        Focus::Press => matches!(key, " " | "Enter"),
        Focus::Slider => matches!(key, "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End"),
        Focus::Select => matches!(key, " " | "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End"),
        Focus::Text => key != "Escape",
    };
    if needed {
        return None;
    }
    Some(match key {
        " " | "k" => Action::TogglePlay,
        "ArrowRight" | "l" => Action::StepNext,
        "ArrowLeft" | "j" => Action::StepPrev,
        "Home" => Action::Seek(0),
        "End" => Action::Seek(u64::MAX),
        "?" => Action::ToggleHelp,
        "Escape" => Action::Escape,
        _ => return None,
    })
}

/// What the element an event went to needs its keys for.
fn focus_of(e: &web_sys::KeyboardEvent) -> Focus {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return Focus::Free };
    Focus::of(&el.tag_name(), el.get_attribute("type").as_deref(), el.get_attribute("role").as_deref())
}

/// A listener on the window for `event`, removed by the cleanup.
fn listen<E: wasm_bindgen::convert::FromWasmAbi + 'static>(event: &'static str, f: impl FnMut(E) + 'static) -> Cleanup {
    let Some(window) = web_sys::window() else { return Box::new(|| ()) };
    let listener = Closure::<dyn FnMut(E)>::new(f);
    let _ = window.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
    Box::new(move || {
        let _ = window.remove_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        drop(listener);
    })
}

/// Global shortcuts: space play/pause, arrows step, Home/End, `?` help, Escape closes or clears.
#[hook]
pub fn use_keyboard(dispatch: UseReducerDispatcher<AppState>) {
    use_effect_with((), move |_| {
        listen("keydown", move |e: web_sys::KeyboardEvent| {
            // A key an element handled itself (a node or a history row picked with Space) is
            // not a shortcut too.
            if e.default_prevented() || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            if let Some(action) = shortcut(&e.key(), focus_of(&e)) {
                e.prevent_default();
                dispatch.dispatch(action);
            }
        })
    });
}

/// Whether the element is on screen (any part of it in the viewport), from an
/// IntersectionObserver: painters skip what nobody can see (the space-time diagram below the
/// fold while the ring plays). True until the observer says otherwise, so a browser without one
/// paints everything.
#[hook]
pub fn use_on_screen(node: NodeRef) -> Rc<Cell<bool>> {
    let on_screen = use_memo((), |_| Cell::new(true));
    {
        let on_screen = Rc::clone(&on_screen);
        use_effect_with((), move |_| -> Cleanup {
            let Some(el) = node.cast::<web_sys::Element>() else { return Box::new(|| ()) };
            let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                let mut seen = entries.iter().filter_map(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok());
                if let Some(e) = seen.next_back() {
                    on_screen.set(e.is_intersecting());
                }
            });
            let Ok(obs) = web_sys::IntersectionObserver::new(cb.as_ref().unchecked_ref()) else {
                return Box::new(|| ());
            };
            obs.observe(&el);
            Box::new(move || {
                obs.disconnect();
                drop(cb);
            })
        });
    }
    on_screen
}

/// `autoplay=1`: plays once the page is on screen. In an iframe on a course page that is when
/// the reader scrolls to it (the observer's implicit root is the top-level window), not when the
/// frame loads; once started the observer is disconnected.
#[hook]
pub fn use_autoplay(autoplay: bool, dispatch: UseReducerDispatcher<AppState>) {
    use_effect_with(autoplay, move |on| -> Cleanup {
        let body = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body());
        let (true, Some(body)) = (*on, body) else { return Box::new(|| ()) };
        let cb = Closure::<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>::new(
            move |entries: js_sys::Array, obs: web_sys::IntersectionObserver| {
                let seen = entries.iter().filter_map(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok());
                if seen.into_iter().any(|e| e.is_intersecting()) {
                    obs.disconnect();
                    dispatch.dispatch(Action::Autoplay);
                }
            },
        );
        let Ok(obs) = web_sys::IntersectionObserver::new(cb.as_ref().unchecked_ref()) else { return Box::new(|| ()) };
        obs.observe(&body);
        Box::new(move || {
            obs.disconnect();
            drop(cb);
        })
    });
}

/// Nothing the student makes is lost: their own experiment (an edited lesson, an import, a
/// link's) is kept in this browser whenever it changes, and one kept from before is offered
/// back when the page opens. Embeds keep nothing: their experiment is their page's.
#[hook]
pub fn use_draft_keeper(state: &UseReducerHandle<AppState>) {
    let dispatch = state.dispatcher();
    let embed = state.view.embed;
    use_effect_with((), move |_| {
        if let Some(kept) = dom::kept_draft().filter(|_| !embed) {
            dispatch.dispatch(Action::OfferDraft(kept));
        }
    });
    // Written when the experiment changes, not every frame (the run is what a student makes).
    let changed = (Rc::as_ptr(&state.model) as usize, state.is_students());
    let state = state.clone();
    use_effect_with(changed, move |(_, students)| {
        let text = state.draft_fragment();
        // Every experiment shown whole is this tab's last good one (index.html's watchdog reopens
        // it if the app stops); the student's own is kept across reloads too.
        dom::keep_last_good(&text);
        if *students {
            dom::keep_draft(Some(&text));
        }
    });
}

/// Leaving a page whose experiment the student edited asks first (the browser's own "Leave
/// site?" prompt: a reload, a closed tab, a typed address). It is kept locally too
/// ([`use_draft_keeper`]), so the prompt is a second guard, not the only one. Embeds never ask:
/// their experiment is their page's.
#[hook]
pub fn use_leave_guard(ask: bool) {
    use_effect_with(ask, move |&ask| -> Cleanup {
        if !ask {
            return Box::new(|| ());
        }
        listen("beforeunload", |e: web_sys::Event| e.prevent_default())
    });
}

/// Opens a new share link pasted into the address bar of an open page.
#[hook]
pub fn use_hash_changes(dispatch: UseReducerDispatcher<AppState>) {
    use_effect_with((), move |_| {
        listen("hashchange", move |_: web_sys::Event| {
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                dispatch.dispatch(Action::OpenFragment(Box::new(dom::location_fragment().await)))
            });
        })
    });
}

/// The element's rendered width in CSS pixels (0 until it is known); a change of more than a
/// pixel re-renders.
#[hook]
pub fn use_width(node: NodeRef) -> f64 {
    use_size(node).0
}

/// The element's rendered content box, width and height in CSS pixels (0 until known), from a
/// ResizeObserver: reading it never forces a layout. A change of more than a pixel re-renders.
#[hook]
pub fn use_size(node: NodeRef) -> (f64, f64) {
    let size_px = use_state(|| (0.0f64, 0.0f64));
    {
        let size_px = size_px.clone();
        use_effect_with((), move |_| -> Cleanup {
            let Some(el) = node.cast::<web_sys::Element>() else { return Box::new(|| ()) };
            let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                if let Ok(e) = entries.get(0).dyn_into::<web_sys::ResizeObserverEntry>() {
                    let (w, h) = (e.content_rect().width(), e.content_rect().height());
                    // Only a real change re-renders (the observer also reports the first size).
                    if (w - size_px.0).abs() > 1.0 || (h - size_px.1).abs() > 1.0 {
                        size_px.set((w, h));
                    }
                }
            });
            let Ok(obs) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) else { return Box::new(|| ()) };
            obs.observe(&el);
            Box::new(move || {
                obs.disconnect();
                drop(cb);
            })
        });
    }
    *size_px
}

/// For a modal dialog: focus moves to `first` when it opens, Tab and Shift+Tab go round the
/// dialog's own controls (the page behind is inert to the keyboard as it is to the pointer), and
/// the focus goes back to where it was (the button that opened it, usually) when it closes.
#[hook]
pub fn use_modal_focus(first: NodeRef) {
    use_effect_with((), move |_| {
        let before = dom::focused();
        let dialog = first.cast::<web_sys::HtmlElement>();
        if let Some(el) = &dialog {
            let _ = el.focus();
        }
        let dialog = dialog.and_then(|el| el.closest("[role=dialog]").ok().flatten());
        let trap = listen("keydown", move |e: web_sys::KeyboardEvent| {
            if let (Some(d), "Tab") = (&dialog, e.key().as_str()) {
                trap_tab(d, &e);
            }
        });
        move || {
            trap();
            if let Some(el) = before.filter(|el| el.is_connected()) {
                let _ = el.focus();
            }
        }
    });
}

/// Tab past the dialog's last control goes to its first, Shift+Tab before the first to the last,
/// and a Tab from anywhere outside comes back in.
fn trap_tab(dialog: &web_sys::Element, e: &web_sys::KeyboardEvent) {
    let Ok(list) = dialog.query_selector_all(
        "button:not([disabled]), [href], input, select, textarea, [tabindex]:not([tabindex=\"-1\"])",
    ) else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> = (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
    let active = dom::focused();
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    let at = |el: &web_sys::HtmlElement| active.as_ref() == Some(el);
    let to = match (e.shift_key(), inside) {
        (_, false) => Some(first),
        (true, true) if at(first) => Some(last),
        (false, true) if at(last) => Some(first),
        _ => None,
    };
    if let Some(el) = to {
        e.prevent_default();
        let _ = el.focus();
    }
}

/// When a question opens, it takes the focus (a dialog named by its question, which a screen
/// reader reads out on focus; no live region, which would say it twice), which also brings it on
/// screen. The question itself, not a choice: Space on a focused choice would pick it.
#[hook]
pub fn use_question_focus(question: Option<usize>, answered: bool) {
    // Once answered, the choices are disabled and the focus would fall to the page: it goes to
    // Continue, under the explanation, which the question box scrolls to.
    use_effect_with((question, answered), |(q, answered)| {
        if q.is_some() && *answered {
            let button = crate::dom::element("[data-question] [data-action=continue]");
            if let Some(b) = button.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = b.focus();
            }
        }
    });
    use_effect_with(question, move |q| {
        if q.is_some() {
            let doc = web_sys::window().and_then(|w| w.document());
            let el = doc.and_then(|d| d.query_selector("[data-question]").ok().flatten());
            if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                // On a narrow screen (the question docks under the ring) or a projector (big text
                // pushes the ring down): bring the ring to the top first, so the ring, the
                // question and the transport are all in view.
                if crate::dom::is_narrow() || crate::dom::element(".app.scaled").is_some() {
                    if let Some(ring) = crate::dom::element(".ring-wrap") {
                        ring.scroll_into_view();
                    }
                }
                let opts = web_sys::FocusOptions::new();
                opts.set_prevent_scroll(true);
                let _ = el.focus_with_options(&opts);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{shortcut, Focus};
    use crate::state::Action;

    #[test]
    fn shortcuts_work_wherever_the_focus_is_except_for_keys_a_control_needs() {
        assert_eq!(shortcut(" ", Focus::Free), Some(Action::TogglePlay));
        assert_eq!(shortcut("ArrowLeft", Focus::Free), Some(Action::StepPrev));
        assert_eq!(shortcut("End", Focus::Free), Some(Action::Seek(u64::MAX)));
        assert_eq!(shortcut("x", Focus::Free), None);
        // After clicking a button, the arrows, Home and End still move time; Space presses it.
        assert_eq!(shortcut("ArrowRight", Focus::Press), Some(Action::StepNext));
        assert_eq!(shortcut("Home", Focus::Press), Some(Action::Seek(0)));
        assert_eq!(shortcut(" ", Focus::Press), None);
        assert_eq!(shortcut("ArrowRight", Focus::Slider), None);
        assert_eq!(shortcut(" ", Focus::Slider), Some(Action::TogglePlay));
        assert_eq!(shortcut("ArrowDown", Focus::Select), None);
        assert_eq!(shortcut("?", Focus::Select), Some(Action::ToggleHelp));
        assert_eq!(shortcut("?", Focus::Text), None, "typed into a field");
        assert_eq!(shortcut("l", Focus::Text), None);
        for f in [Focus::Free, Focus::Press, Focus::Slider, Focus::Select, Focus::Text] {
            assert_eq!(shortcut("Escape", f), Some(Action::Escape));
        }
    }

    #[test]
    fn elements_are_told_apart_by_tag_type_and_role() {
        assert_eq!(Focus::of("INPUT", Some("range"), None), Focus::Slider);
        assert_eq!(Focus::of("INPUT", None, None), Focus::Text);
        assert_eq!(Focus::of("INPUT", Some("number"), None), Focus::Text);
        assert_eq!(Focus::of("INPUT", Some("checkbox"), None), Focus::Press);
        // Radio buttons move between their choices with the arrows (the Figure dialog's).
        assert_eq!(Focus::of("INPUT", Some("radio"), None), Focus::Select);
        assert_eq!(Focus::of("BUTTON", None, None), Focus::Press);
        assert_eq!(Focus::of("g", None, Some("button")), Focus::Press);
        assert_eq!(Focus::of("SELECT", None, None), Focus::Select);
        assert_eq!(Focus::of("DIV", None, None), Focus::Free);
    }
}

/// Real milliseconds one slice of a long run may take: the page then answers a click or a key
/// within about that long while the run is computed.
pub const SLICE_MS: f64 = 20.0;

/// A long run ([`crate::state::Pending`]) computed a slice per timer tick, each slice sized from
/// the last one's measured cost to take about [`SLICE_MS`]. One timer at a time, removed by the
/// effect's cleanup (the run cancelled, finished, or the next slice's timer set).
#[hook]
pub fn use_builder(state: &UseReducerHandle<AppState>) {
    let key = state.pending.as_ref().map(|p| (Rc::as_ptr(p) as usize, state.pending_slices));
    let steps: Rc<Cell<u64>> = use_memo((), |_| Cell::new(2_000));
    let d = state.dispatcher();
    use_effect_with(key, move |key| -> Cleanup {
        if key.is_none() {
            return Box::new(|| ());
        }
        let timer = gloo_timers::callback::Timeout::new(0, move || {
            let n = steps.get();
            let t0 = dom::perf_now();
            d.dispatch(Action::BuildSlice(n));
            let took = dom::perf_now() - t0;
            test_hooks::count_slice(took);
            // Aim at SLICE_MS; never more than double at once (the cost per step varies).
            let next = if took > 0.5 { (n as f64 * SLICE_MS / took) as u64 } else { n * 2 };
            steps.set(next.clamp(200, n * 2));
        });
        Box::new(move || drop(timer))
    });
}
