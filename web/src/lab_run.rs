//! The staleness lab's worker, from the page's side: started from Trunk's loader shim when the
//! lab runs (so its wasm is fetched only then), sent one experiment per (R, W) choice in turn,
//! its messages dispatched to the reducer, and terminated when done or cancelled. The worker
//! exists only while a run is going.

use crate::lab::{read_message, FromWorker, LabAction};
use crate::state::{Action, AppState};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};
use yew::UseReducerDispatcher;

/// Next to index.html (relative, so the app works under any path prefix).
pub const LOADER: &str = "./quorumscope-pbs_loader.js";

struct Live {
    worker: Worker,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::Event)>,
    /// Requests not yet sent, in order.
    queue: Vec<String>,
}

thread_local! {
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
    /// A worker's handler is not dropped while it runs: a finished one waits here until the next.
    static SPENT: RefCell<Option<Live>> = const { RefCell::new(None) };
}

/// Whether a worker is running (the browser tests read it through a hook).
pub fn alive() -> bool {
    LIVE.with(|l| l.borrow().is_some())
}

/// Starts a worker and sends it `requests` one after another (each after the previous one's
/// answer); any worker already running is terminated first.
pub fn start(requests: Vec<String>, d: UseReducerDispatcher<AppState>) -> Result<(), String> {
    stop();
    SPENT.with(|s| s.borrow_mut().take());
    let worker = Worker::new(LOADER).map_err(|_| "the browser would not start the lab's worker".to_string())?;
    let failed = d.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        let text = e.data().as_string().unwrap_or_default();
        answer(read_message(&text), &d);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker's files missing or its wasm refused: said, not waited for.
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| {
        answer(FromWorker::Failed("the lab's worker could not start (its files did not load)".into()), &failed);
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut queue = requests;
    queue.reverse();
    LIVE.with(|l| *l.borrow_mut() = Some(Live { worker, _on_message: on_message, _on_error: on_error, queue }));
    Ok(())
}

/// Terminates the running worker, if any: its trials stop at once.
pub fn stop() {
    if let Some(live) = LIVE.with(|l| l.borrow_mut().take()) {
        live.worker.terminate();
        SPENT.with(|s| *s.borrow_mut() = Some(live));
    }
}

/// Sends the next request; false if none is left.
fn send_next() -> bool {
    LIVE.with(|l| {
        let mut l = l.borrow_mut();
        let Some(live) = l.as_mut() else { return false };
        match live.queue.pop() {
            Some(r) => live.worker.post_message(&JsValue::from_str(&r)).is_ok(),
            None => false,
        }
    })
}

fn answer(m: FromWorker, d: &UseReducerDispatcher<AppState>) {
    match m {
        FromWorker::Ready => {
            if !send_next() {
                stop();
            }
        }
        FromWorker::Progress(done, total) => d.dispatch(Action::Lab(LabAction::Progress(done, total))),
        FromWorker::Outcome(o) => {
            d.dispatch(Action::Lab(LabAction::Outcome(o)));
            if !send_next() {
                stop();
            }
        }
        FromWorker::Stale(found) => {
            stop();
            let opened = found.is_some();
            d.dispatch(Action::OpenStale(found));
            if opened {
                // The trial opens at the top of the page: go there, to its caption.
                crate::dom::show_and_focus(".captions .caption");
            }
        }
        FromWorker::Failed(e) => {
            stop();
            d.dispatch(Action::Lab(LabAction::Failed(e)));
        }
    }
}
