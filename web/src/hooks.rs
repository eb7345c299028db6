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
pub fn use_clock(playing: bool, reduced_motion: bool, dispatch: UseReducerDispatcher<AppState>) {
    use_effect_with((playing, reduced_motion), move |&(playing, reduced)| -> Cleanup {
        match (playing, reduced) {
            (false, _) => Box::new(|| ()),
            (true, true) => jump_every(800, dispatch),
            (true, false) => animate(dispatch),
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

/// A tick per animation frame, with the real time since the last one.
fn animate(dispatch: UseReducerDispatcher<AppState>) -> Cleanup {
    let Some(window) = web_sys::window() else { return Box::new(|| ()) };
    let handle: Rc<Cell<Option<i32>>> = Rc::new(Cell::new(None));
    let frame: FrameLoop = Rc::new(RefCell::new(None));
    let last: Rc<Cell<Option<f64>>> = Rc::new(Cell::new(None));
    {
        let (handle, frame2, window) = (Rc::clone(&handle), Rc::clone(&frame), window.clone());
        *frame.borrow_mut() = Some(Closure::new(move |ts: f64| {
            let dt = last.get().map(|l| ts - l).unwrap_or(0.0);
            last.set(Some(ts));
            let t0 = dom::perf_now();
            dispatch.dispatch(Action::Tick(dt));
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

/// The action for a key pressed while the element `tag` has the focus. In a form control only
/// Escape counts, and `?` too unless it is being typed (in a text field).
pub fn shortcut(key: &str, tag: Option<&str>) -> Option<Action> {
    let in_control = matches!(tag, Some("INPUT" | "SELECT" | "TEXTAREA" | "BUTTON"));
    let in_text = matches!(tag, Some("INPUT" | "TEXTAREA"));
    let passes_controls = key == "Escape" || (key == "?" && !in_text);
    if in_control && !passes_controls {
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
            let tag = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|el| el.tag_name());
            if let Some(action) = shortcut(&e.key(), tag.as_deref()) {
                e.prevent_default();
                dispatch.dispatch(action);
            }
        })
    });
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
    let width_px = use_state(|| 0.0f64);
    {
        let width_px = width_px.clone();
        use_effect_with((), move |_| -> Cleanup {
            let Some(el) = node.cast::<web_sys::Element>() else { return Box::new(|| ()) };
            let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                if let Ok(e) = entries.get(0).dyn_into::<web_sys::ResizeObserverEntry>() {
                    let w = e.content_rect().width();
                    // Only a real change re-renders (the observer also reports the first size).
                    if (w - *width_px).abs() > 1.0 {
                        width_px.set(w);
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
    *width_px
}

/// For a modal dialog: focus moves to `first` when it opens and goes back to where it was (the
/// button that opened it, usually) when it closes.
#[hook]
pub fn use_modal_focus(first: NodeRef) {
    use_effect_with((), move |_| {
        let before = dom::focused();
        if let Some(el) = first.cast::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
        move || {
            if let Some(el) = before.filter(|el| el.is_connected()) {
                let _ = el.focus();
            }
        }
    });
}

/// When a question opens, it takes the focus (its label is read out), which also brings it on
/// screen. The question itself, not a choice: Space on a focused choice would pick it.
#[hook]
pub fn use_question_focus(question: Option<usize>) {
    use_effect_with(question, move |q| {
        if q.is_some() {
            let doc = web_sys::window().and_then(|w| w.document());
            let el = doc.and_then(|d| d.query_selector("[data-question]").ok().flatten());
            if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::shortcut;
    use crate::state::Action;

    #[test]
    fn shortcuts_wait_while_a_control_has_the_focus_except_escape_and_help() {
        assert_eq!(shortcut(" ", None), Some(Action::TogglePlay));
        assert_eq!(shortcut("ArrowLeft", Some("DIV")), Some(Action::StepPrev));
        assert_eq!(shortcut("End", Some("svg")), Some(Action::Seek(u64::MAX)));
        assert_eq!(shortcut("x", None), None);
        for tag in ["INPUT", "SELECT", "TEXTAREA", "BUTTON"] {
            assert_eq!(shortcut(" ", Some(tag)), None, "{tag}");
            assert_eq!(shortcut("Escape", Some(tag)), Some(Action::Escape), "{tag}");
        }
        assert_eq!(shortcut("?", Some("BUTTON")), Some(Action::ToggleHelp));
        assert_eq!(shortcut("?", Some("SELECT")), Some(Action::ToggleHelp));
        assert_eq!(shortcut("?", Some("INPUT")), None, "typed into a field");
        assert_eq!(shortcut("?", Some("TEXTAREA")), None);
    }
}
