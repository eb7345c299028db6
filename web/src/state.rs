//! The app's state and its reducer. Every intervention becomes a scenario event at the current
//! simulated time, so the experiment is always a scenario that can be saved, shared and replayed.
//! Changing a setting re-runs the whole experiment from the start and keeps the time cursor.

use crate::lessons;
use crate::link::View;
use crate::model::Model;
use crate::words;
pub use quorumscope_core::scenario::edit::Setting;
use quorumscope_core::scenario::edit::{add_event, apply_setting};
use quorumscope_core::scenario::{Action as Ev, ScenarioFile};
use std::rc::Rc;
use yew::Reducible;

/// Slowest and fastest playback, in simulated ms per real ms.
pub const SPEEDS: [f64; 9] = [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0];
pub const DEFAULT_SPEED: f64 = 0.05;
/// Largest real-time step one frame may take (a backgrounded tab must not jump the run ahead).
pub const MAX_FRAME_MS: f64 = 100.0;
/// Playing, a stretch with nothing in flight is skipped, up to this much real time before the
/// next thing happens (so what comes is still seen arriving).
pub const IDLE_LEAD_MS: f64 = 400.0;
/// A decisive message (of the operation in focus, one the caption names, a read repair, a hinted
/// handoff) stays on
/// screen at least this long in real time: time slows while one is in flight.
pub const DECISIVE_MS: f64 = 1000.0;
/// Playing, a caption stays at least this long per word (and [`MIN_READ_MS`] in all) before the
/// next one replaces it: about 250 words a minute, a student's careful reading pace.
pub const READ_MS_PER_WORD: f64 = 240.0;
pub const MIN_READ_MS: f64 = 1500.0;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Selection {
    pub op: Option<u32>,
    pub node: Option<u32>,
    pub msg: Option<u32>,
    pub anomaly: Option<usize>,
    /// A consistency model in the panel (index into `quorumscope_core::MODELS`; one past the end
    /// is convergence): its witness is highlighted.
    pub verdict: Option<usize>,
}

/// A Jepsen history opened with Import: shown whole, on its own, over the experiment (which
/// stays as it was, to go back to).
pub struct Imported {
    pub name: String,
    pub verdicts: crate::model::Verdicts,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A frame passed while playing: real milliseconds since the last one.
    Tick(f64),
    TogglePlay,
    Seek(u64),
    StepNext,
    StepPrev,
    /// Reduced-motion playback: jump to the next event and keep playing.
    JumpNext,
    /// Close the open dialog if there is one, else clear the selection.
    Escape,
    /// An experiment of the student's found kept in this browser (a share-link fragment), to
    /// offer back.
    OfferDraft(String),
    /// Open the experiment offered back.
    RestoreDraft,
    /// Stop offering it.
    DiscardDraft,
    /// Show a message (a refused download, an unreadable file).
    Fail(String),
    /// The student's choice at a predict-then-reveal checkpoint: (step, choice).
    Answer(usize, usize),
    /// Close the checkpoint and play on.
    Continue,
    /// Show the whole run at every instant, or only what has happened by the cursor.
    ToggleReveal,
    /// Start playing because the page asked to (`autoplay=1`) and is now on screen; nothing if
    /// already playing.
    Autoplay,
    /// The text scale (1 as designed, 2 on a projector).
    SetScale(u8),
    /// Light, dark or the system's colours (`theme=` in the link, a course page's `configure`).
    SetTheme(crate::link::Theme),
    /// Open a share link's fragment in place (the address changed).
    OpenFragment(Box<crate::link::Fragment>),
    SetSpeed(f64),
    Set(Setting),
    /// A scenario event at the current time (crash, recover, partition, heal, put, get).
    Intervene(Ev),
    /// Remove the last intervention made in this session.
    Undo,
    SelectOp(u32),
    /// Show a message in the inspector, keeping the rest of the selection.
    SelectMsg(u32),
    SelectNode(Option<u32>),
    SelectAnomaly(usize),
    /// A model in the consistency panel: a violated one jumps to the instant it became
    /// impossible and highlights its witness.
    SelectVerdict(usize),
    LoadLesson(String),
    /// A file chosen with Import (name, text): a scenario, or else a Jepsen history.
    Import(String, String),
    /// Back from an imported history to the experiment.
    CloseHistory,
    /// A scenario file's text (import). On error the current experiment stays.
    LoadText(String),
    /// A scenario already read and checked (from a course page's `load`).
    LoadFile(Box<ScenarioFile>),
    /// The panels an embed shows (a course page's `configure`).
    SetPanels(Vec<crate::panel::Panel>),
    DismissError,
    /// The staleness lab's form and run.
    Lab(crate::lab::LabAction),
    /// The lab's stale trial (seed, scenario file text) opened as the experiment, at the
    /// instant its get returns; `None`: no seed gave one.
    OpenStale(Option<(u64, String)>),
    ToggleHelp,
    /// Compute the next slice of a long run (at most this many steps): the page's timer asks
    /// for one slice at a time, so it stays responsive ([`Pending`]).
    BuildSlice(u64),
    /// Stop computing the long run: the experiment on screen stays exactly as it is.
    CancelBuild,
    /// Show a dialog (the glossary; a share link or embed snippet once the browser packed it).
    OpenDialog(Dialog),
    CloseDialog,
}

/// The modal dialog on top of the page, if any (one at a time). The lesson's checkpoint question
/// is not one of them: it is part of the page and waits for an answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Dialog {
    #[default]
    None,
    Help,
    Glossary,
    /// The share link (already copied if the browser allowed it).
    Link(String),
    /// The iframe snippet for a course page.
    Embed(String),
    /// Which figure to download: the ring or the space-time diagram, SVG or PNG.
    Figure,
}

#[derive(Clone)]
pub struct AppState {
    pub model: Rc<Model>,
    pub t_us: u64,
    pub playing: bool,
    pub speed: f64,
    pub selection: Selection,
    pub lesson: Option<String>,
    /// Interventions added in this session, for undo: the event's index and the run length
    /// before it (an intervention near the end extends the run).
    pub interventions: Vec<(usize, Option<f64>)>,
    pub error: Option<String>,
    /// How many refusals the page has given: the alert is drawn anew for each, so a second one
    /// in the same words (another damaged link, the same bad file) is seen, and read out, again.
    pub notices: u32,
    pub dialog: Dialog,
    pub reduced_motion: bool,
    /// Page options from the link: embed mode, panels, autoplay.
    pub view: crate::link::View,
    /// Lesson checkpoints answered (indices into the scenario's `steps`), and the answer given.
    pub answers: Vec<(usize, usize)>,
    /// A predict-then-reveal checkpoint waiting for the student (index into `steps`).
    pub question: Option<usize>,
    /// The lesson was changed (a setting, an intervention, an edited link): the run is the
    /// student's experiment, from that lesson, and the lesson's questions no longer describe it.
    pub edited: bool,
    /// Real milliseconds the caption on screen has been shown while playing: the next caption
    /// waits until it could be read ([`READ_MS_PER_WORD`]).
    pub caption_read_ms: f64,
    /// A Jepsen history on screen instead of the experiment.
    pub imported: Option<Rc<Imported>>,
    /// The student's own experiment, kept when another replaced it (a lesson picked, a link
    /// followed, the page reloaded), offered back until restored or dismissed
    /// ([`crate::link::draft_text`]).
    pub draft: Option<String>,
    /// Where playing last started (or the cursor was last moved to while playing): the
    /// narration's clock never goes back before it, so what was said when paused is not said
    /// again ([`Self::narration_t_us`]).
    pub play_from_us: u64,
    /// The staleness lab (it stays as it was when another experiment is opened).
    pub lab: Rc<crate::lab::Lab>,
    /// A run too long for one go, computed a slice at a time while this experiment stays on
    /// screen and usable.
    pub pending: Option<Rc<Pending>>,
    /// The simulated time that run has reached (so each slice re-renders the progress).
    pub pending_us: u64,
    /// Its progress in percent ([`Building::percent`]), and the slices computed so far (each
    /// one renders, and asks for the next).
    pub pending_pct: u64,
    pub pending_slices: u64,
}

/// What asked for a long run, and the run being computed. Once it has ended, `action` is reduced
/// again on the state then on screen, with the finished run.
pub struct Pending {
    pub action: Action,
    pub building: std::cell::RefCell<Option<Building>>,
    /// The new experiment's title and length (µs).
    pub title: String,
    pub end_us: u64,
}

use crate::model::Building;

/// How `build` runs, for the action being reduced: whether a long run may be left to compute in
/// slices, the one it left, and a finished one to use instead of running it again.
#[derive(Default)]
struct Builds {
    defer: bool,
    deferred: Option<Building>,
    ready: Option<Model>,
}

thread_local! {
    static BUILDS: std::cell::RefCell<Builds> = std::cell::RefCell::default();
}

/// Two states are equal when they render the same elements: the page re-renders only when this
/// says they differ (`use_reducer_eq`). While playing, the exact instant is not compared, only
/// what the elements show of it ([`AppState::shown_time`]); between two renders the live parts
/// (the messages on the ring, the space-time cursor, the clock) are painted each frame with the
/// exact time by [`crate::live`].
impl PartialEq for AppState {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.model, &o.model)
            && self.shown_time() == o.shown_time()
            && self.playing == o.playing
            && self.speed == o.speed
            && self.selection == o.selection
            && self.error == o.error
            && self.notices == o.notices
            && self.dialog == o.dialog
            && self.reduced_motion == o.reduced_motion
            && self.lesson == o.lesson
            && self.view == o.view
            && self.answers == o.answers
            && self.question == o.question
            && self.edited == o.edited
            && match (&self.imported, &o.imported) {
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
            && self.draft == o.draft
            && self.play_from_us == o.play_from_us
            && (Rc::ptr_eq(&self.lab, &o.lab) || self.lab == o.lab)
            && match (&self.pending, &o.pending) {
                (Some(a), Some(b)) => Rc::ptr_eq(a, b) && self.pending_slices == o.pending_slices,
                (a, b) => a.is_none() && b.is_none(),
            }
    }
}

/// The run of `file`. A run that has not ended after its first slice
/// ([`crate::model::FIRST_SLICE_STEPS`]) is, while a page action is reduced, left to compute in
/// slices: the action's result is then thrown away and the action waits ([`Pending`]).
fn build(file: ScenarioFile) -> Result<Model, String> {
    let sc = quorumscope_core::Scenario::from_file(&file).map_err(|e| e.to_string())?;
    let state_bytes = quorumscope_core::state_bytes_at_start(&sc);
    if state_bytes > crate::model::BROWSER_MAX_STATE_BYTES {
        return Err(crate::words::too_large_for_tab(state_bytes, crate::model::BROWSER_MAX_STATE_BYTES, &sc));
    }
    let ready = BUILDS.with_borrow_mut(|b| b.ready.take_if(|m| m.file == file));
    if let Some(m) = ready {
        return Ok(m);
    }
    let mut b = Building::new(file, sc);
    if b.slice(crate::model::FIRST_SLICE_STEPS) || !BUILDS.with_borrow(|c| c.defer) {
        return Ok(b.finish());
    }
    BUILDS.with_borrow_mut(|c| c.deferred = Some(b));
    Err(String::new())
}

/// Whether an action may run an experiment (and so may have to wait for a long one).
fn builds(a: &Action) -> bool {
    matches!(
        a,
        Action::Set(_)
            | Action::Intervene(_)
            | Action::Undo
            | Action::LoadLesson(_)
            | Action::LoadText(_)
            | Action::LoadFile(_)
            | Action::OpenFragment(_)
            | Action::Import(..)
            | Action::OpenStale(_)
            | Action::RestoreDraft
    )
}

impl AppState {
    /// A fresh state around a run (nothing selected, paused at 0).
    fn with_model(model: Model, lesson: Option<String>) -> AppState {
        AppState {
            model: Rc::new(model),
            t_us: 0,
            playing: false,
            speed: DEFAULT_SPEED,
            selection: Selection::default(),
            lesson,
            interventions: vec![],
            error: None,
            notices: 0,
            dialog: Dialog::None,
            reduced_motion: false,
            view: crate::link::View::default(),
            answers: vec![],
            question: None,
            edited: false,
            caption_read_ms: 0.0,
            imported: None,
            draft: None,
            play_from_us: 0,
            lab: Rc::default(),
            pending: None,
            pending_us: 0,
            pending_pct: 0,
            pending_slices: 0,
        }
    }

    /// A lesson by name; an unknown name gives the default lesson.
    pub fn from_lesson(slug: &str) -> AppState {
        let slug = if lessons::text(slug).is_some() { slug } else { lessons::DEFAULT };
        let text = lessons::text(slug).expect("checked above");
        let file = quorumscope_core::scenario::parse_file(text).expect("lessons are tested to parse");
        let mut s = AppState::with_model(build(file).expect("lessons are tested to run"), Some(slug.to_string()));
        s.settle();
        s
    }

    /// The state a page opens in: from a share link, a lesson name, or the default lesson. A
    /// damaged link shows its message over the default lesson.
    pub fn from_fragment(f: &crate::link::Fragment) -> AppState {
        let (s, why) = match AppState::opened(f) {
            Ok(s) => (s, None),
            Err(why) => (AppState::from_lesson(lessons::DEFAULT), Some(why.first_lesson())),
        };
        let mut s = s.arrived(f);
        s.error = why;
        s
    }

    /// The state a fragment's experiment opens in, before its time and view ([`Self::arrived`]),
    /// or why it cannot be opened.
    fn opened(f: &crate::link::Fragment) -> Result<AppState, words::Unopened> {
        Ok(match &f.shared {
            Some(Ok(sh)) => match build(sh.scenario.clone()) {
                Ok(m) => {
                    let lesson = sh.lesson.clone().filter(|l| lessons::text(l).is_some());
                    let mut s = AppState::with_model(m, lesson);
                    s.t_us = quorumscope_core::ms_to_us(sh.t_ms).min(s.model.end_us);
                    s.selection.op = sh.op.filter(|o| (*o as usize) < s.model.report.ops.len());
                    if let Some(v) = sh.speed {
                        s.speed = v.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]);
                    }
                    s
                }
                Err(e) => return Err(words::Unopened::Link(e)),
            },
            Some(Err(e)) => return Err(words::Unopened::Link(e.clone())),
            None => match f.lesson.as_deref() {
                Some(slug) if lessons::text(slug).is_some() => AppState::from_lesson(slug),
                Some(slug) => return Err(words::Unopened::Lesson(slug.to_string())),
                None => AppState::from_lesson(lessons::DEFAULT),
            },
        })
    }

    /// `self` at the fragment's time, with its view (embed, panels), paused.
    fn arrived(mut self, f: &crate::link::Fragment) -> AppState {
        if let Some(t) = f.t_ms {
            self.t_us =
                quorumscope_core::ms_to_us(t.min(quorumscope_core::scenario::MAX_TIME_MS)).min(self.model.end_us);
        }
        self.view = f.view.clone();
        // Autoplay starts once the page is on screen (`Action::Autoplay`), not while an embed is
        // still scrolled out of view.
        self.playing = false;
        self.edited = self.lesson.is_some() && !self.unchanged_lesson();
        self.question = None;
        self.settle();
        self
    }

    /// The state a page opens in ([`Self::from_fragment`]); a link whose run is long opens the
    /// default lesson under the progress of that run, which replaces it once computed.
    pub fn opening(f: &crate::link::Fragment) -> AppState {
        BUILDS.with_borrow_mut(|b| b.defer = true);
        let mut s = AppState::from_fragment(f);
        let Some(b) = BUILDS.with_borrow_mut(|b| {
            b.defer = false;
            b.deferred.take()
        }) else {
            return s;
        };
        // The link's run did not fit in one slice: `s` is the default lesson (with the view the
        // link asked for), and the link opens once its run is computed.
        s.error = None;
        s.wait_for(b, Action::OpenFragment(Box::new(f.clone())));
        s
    }

    /// Waits for `b`, a long run, before `action` is reduced again with it.
    fn wait_for(&mut self, b: Building, action: Action) {
        let (title, (at, end_us)) = (b.file().title.clone(), b.progress_us());
        let pct = b.percent();
        self.pending = Some(Rc::new(Pending { action, building: std::cell::RefCell::new(Some(b)), title, end_us }));
        (self.pending_us, self.pending_pct, self.pending_slices, self.error) = (at, pct, 0, None);
    }

    /// The lesson's number in the picker (1-based), if the run is or came from a lesson.
    pub fn lesson_number(&self) -> Option<usize> {
        let slug = self.lesson.as_deref()?;
        lessons::LESSONS.iter().position(|l| l.slug == slug).map(|i| i + 1)
    }

    /// Up to when the views may show what happened: the cursor, or the end when the whole run
    /// is revealed.
    pub fn known_us(&self) -> u64 {
        if self.view.reveal {
            self.model.end_us
        } else {
            self.t_us
        }
    }

    /// Where the cursor stands as far as the page's elements go. Paused, the exact instant. While
    /// playing, elements change only at a trace event (a message sent, delivered or lost, a node's
    /// state), a caption, or a tick of the coarse text and narration clocks; in between only the
    /// live parts move ([`crate::live`]).
    pub fn shown_time(&self) -> (u64, usize, Option<usize>, u64, u64) {
        if !self.playing {
            return (self.t_us, 0, None, 0, 0);
        }
        let t = self.t_us;
        (0, self.model.events_through(t), self.model.step_at(t), self.text_t_us(), self.narration_t_us())
    }

    /// [`Self::known_us`] on the coarse clock of text views.
    pub fn known_text_us(&self) -> u64 {
        if self.view.reveal {
            self.model.end_us
        } else {
            self.text_t_us()
        }
    }

    /// The earliest question not answered yet whose time the cursor has reached (time 0
    /// included), with that time. None when the lesson was edited (its questions describe the
    /// original run) or the whole run is revealed (the instructor's view).
    fn pending_question(&self) -> Option<(usize, u64)> {
        if self.edited || self.view.reveal {
            return None;
        }
        let unanswered = |i: &usize| !self.answers.iter().any(|(a, _)| a == i);
        let mut due: Vec<(usize, u64)> = self
            .model
            .file
            .steps
            .iter()
            .enumerate()
            .filter(|(i, st)| st.predict.is_some() && unanswered(i))
            .filter_map(|(i, _)| Some((i, self.model.step_us.get(i).copied().flatten()?)))
            .filter(|(_, at)| *at <= self.t_us)
            .collect();
        quorumscope_core::order::sort_by_key(&mut due, |(i, at)| (u128::from(*at) << 32) | *i as u128);
        due.first().copied()
    }

    /// After anything that moves time or changes the run: a question the cursor has reached or
    /// passed, however it got there (play, step, seek, a link, time 0), opens and the cursor stops
    /// at its time, so nothing after it shows before it is answered. An answered question closes
    /// once time moves away from it; an open one closes if time goes back before it.
    fn settle(&mut self) {
        if let Some(q) = self.question {
            let at = self.model.step_us.get(q).copied().flatten();
            let answered = self.answers.iter().any(|(a, _)| *a == q);
            if self.edited
                || self.view.reveal
                || at.is_none_or(|at| if answered { at != self.t_us } else { self.t_us < at })
            {
                self.question = None;
            }
        }
        match self.question {
            None => {
                if let Some((i, at)) = self.pending_question() {
                    (self.t_us, self.playing, self.question) = (at, false, Some(i));
                }
            }
            // Still unanswered: time stays at the question.
            Some(q) if !self.answers.iter().any(|(a, _)| *a == q) => {
                if let Some(at) = self.model.step_us.get(q).copied().flatten() {
                    (self.t_us, self.playing) = (at, false);
                }
            }
            Some(_) => {}
        }
    }

    /// True while a question waits for its answer (Space and every shortcut leave it open).
    pub fn asking(&self) -> bool {
        // An imported history on screen is not the lesson: its question waits behind it.
        self.imported.is_none()
            && self.question.is_some_and(|q| {
                !self.answers.iter().any(|(a, _)| *a == q)
                    && self.model.file.steps.get(q).is_some_and(|st| !st.choices.is_empty())
            })
    }

    /// True when the experiment is exactly its lesson's file (so a short link reproduces it).
    pub fn unchanged_lesson(&self) -> bool {
        self.lesson
            .as_deref()
            .and_then(lessons::text)
            .and_then(|t| quorumscope_core::scenario::parse_file(t).ok())
            .is_some_and(|f| f == self.model.file)
    }

    /// Whether the experiment is the student's own (an edited lesson, an imported file, a link's
    /// experiment): what would be lost if something replaced it. Embeds belong to their page.
    pub fn is_students(&self) -> bool {
        !self.view.embed && (self.edited || self.lesson.is_none())
    }

    /// The experiment as kept in the browser and offered back ([`crate::link::draft_text`]).
    pub fn draft_fragment(&self) -> String {
        crate::link::draft_text(&self.shared())
    }

    /// What a share link carries for this state.
    pub fn shared(&self) -> crate::link::Shared {
        crate::link::Shared {
            scenario: self.model.file.clone(),
            t_ms: self.t_us as f64 / 1000.0,
            op: self.selection.op,
            speed: Some(self.speed),
            lesson: self.lesson.clone(),
        }
    }

    /// A digest of the state shown at the current instant (for tests of links).
    pub fn snapshot_digest(&self) -> u64 {
        let snap = self.model.snapshot_at(self.t_us);
        let mut h: Vec<u64> = vec![snap.at_us];
        for n in &snap.nodes {
            h.push(n.up as u64);
            h.extend(n.store.iter().map(|(k, d)| (*k as u64) << 32 ^ d.digest()));
            h.extend(n.hints.iter().map(|(a, k, d)| ((*a as u64) << 48) ^ ((*k as u64) << 32) ^ d.digest()));
        }
        quorumscope_core::hash_u64s(&h)
    }

    /// The time for views made of text (lists, the live region, the hidden message hooks). While
    /// playing it advances in steps of about 200 ms of real time: text that changes every frame
    /// cannot be read, floods screen readers and costs the browser a relayout per frame.
    /// Animation always uses the exact time.
    pub fn text_t_us(&self) -> u64 {
        if !self.playing {
            return self.t_us;
        }
        let q = ((200.0 * self.speed * 1000.0) as u64).max(1);
        self.t_us / q * q
    }

    /// The clock the narration follows: while playing, it moves once a second of real time, so
    /// a screen reader is given at most one sentence a second, the latest, and can finish it.
    /// It never goes back before where playing started: paused, the narration told the exact
    /// time, and rounding down on playing again would tell earlier events a second time.
    pub fn narration_t_us(&self) -> u64 {
        if !self.playing {
            return self.t_us;
        }
        let q = ((1000.0 * self.speed * 1000.0) as u64).max(1);
        (self.t_us / q * q).max(self.play_from_us.min(self.t_us))
    }

    /// What the views highlight: the student's selection, or else the operation the caption in
    /// force talks about (its `focus_op`), so its home replicas, ranks and W/R sets show while the
    /// caption does. Not once the lesson was edited: operations may have moved.
    pub fn focus(&self) -> Selection {
        let s = &self.selection;
        if let Some(v) = s.verdict {
            // A witness would tell the question's answer; before the instant the model became
            // impossible it would point at what has not happened yet.
            let since = self.model.verdicts().models.get(v).and_then(|u| u.since);
            let ahead = !self.view.reveal && since.is_some_and(|t| self.t_us < t);
            if self.asking() || ahead {
                return Selection { node: s.node, msg: s.msg, ..Selection::default() };
            }
        }
        if s.op.is_some() || s.anomaly.is_some() || self.edited {
            return s.clone();
        }
        let op = self.caption().and_then(|c| c.focus_op).filter(|o| (*o as usize) < self.model.report.ops.len());
        Selection { op, ..s.clone() }
    }

    /// The lesson caption in force at the current time, if any.
    pub fn caption(&self) -> Option<&quorumscope_core::scenario::StepDecl> {
        self.model.step_at(self.t_us).and_then(|i| self.model.file.steps.get(i))
    }

    pub fn from_text(text: &str) -> Result<AppState, String> {
        let (file, _) = quorumscope_core::parse(text).map_err(|e| e.to_string())?;
        Ok(AppState::with_model(build(file)?, None))
    }

    fn with_file(&self, file: ScenarioFile) -> AppState {
        let mut next = self.clone();
        match build(file) {
            Ok(m) => {
                next.t_us = self.t_us.min(m.end_us);
                next.model = Rc::new(m);
                next.error = None;
                // Operation indices may have shifted; an old selection could point anywhere.
                next.selection = Selection { node: self.selection.node, ..Selection::default() };
            }
            Err(e) => next.error = Some(e),
        }
        next.edited = next.lesson.is_some() && !next.unchanged_lesson();
        next
    }
}

/// How long a caption takes to read, in real milliseconds.
pub fn reading_ms(caption: &str) -> f64 {
    (caption.split_whitespace().count() as f64 * READ_MS_PER_WORD).max(MIN_READ_MS)
}

/// What a caption is about: the operations in focus and the messages the step on screen names.
struct Decisive<'a> {
    focus: Vec<u32>,
    named: Vec<&'a quorumscope_core::scenario::Happening>,
    sc: &'a quorumscope_core::Scenario,
}

impl<'a> Decisive<'a> {
    fn at(s: &'a AppState) -> Decisive<'a> {
        let m = &s.model;
        let step = m.step_at(s.t_us).and_then(|i| m.file.steps.get(i));
        // What the caption describes, not what it is tied to: a caption shown once an exchange
        // has ended is not about the later messages of the same kind.
        let named = step.iter().flat_map(|st| &st.describes).filter(|h| h.msg.is_some()).collect();
        Decisive { focus: s.focus().focus_ops(m), named, sc: m.sc() }
    }

    /// A message a caption is likely about: one of the operations in focus, a message the step
    /// on screen describes (any of its kind, sender and receiver: a whole Merkle exchange), or a
    /// repair or a handoff.
    fn is(&self, r: &quorumscope_core::MsgRecord) -> bool {
        use quorumscope_core::MsgKind as K;
        matches!(r.kind, K::ReadRepair | K::Handoff)
            || r.payload.op().is_some_and(|o| self.focus.contains(&o))
            || self.named.iter().any(|h| quorumscope_core::names_message(h, self.sc, r))
    }
}

/// Applies a setting to a scenario file, keeping it valid where the slider bounds allow (W and R
/// follow N down; the node count keeps the first nodes and drops events naming removed ones).
impl Selection {
    /// The operations in focus: the selected one, plus those behind a selected anomaly (the put a
    /// stale read missed, the failed put it read...). Their messages are highlighted.
    pub fn focus_ops(&self, model: &Model) -> Vec<u32> {
        let mut ops: Vec<u32> = self.op.into_iter().collect();
        if let Some(a) = self.anomaly.and_then(|i| model.anomalies.get(i)) {
            ops.extend(a.op);
            ops.extend(a.related_ops.iter().copied());
        }
        if let Some(v) = self.verdict {
            ops.extend(model.verdicts().witness_ops(v));
        }
        quorumscope_core::order::sort_u32(&mut ops);
        ops.dedup();
        ops
    }
}

impl AppState {
    /// Where playing goes after `real_ms` of real time: at the chosen speed, slower while a
    /// decisive message is in flight (so it is on screen for [`DECISIVE_MS`]), and skipping ahead
    /// over stretches where nothing is in flight to [`IDLE_LEAD_MS`] before the next event or
    /// caption.
    pub fn paced_next(&self, real_ms: f64) -> u64 {
        let (m, t) = (&self.model, self.t_us);
        let decisive = Decisive::at(self);
        let mut idle = true;
        let mut speed = self.speed;
        for (_, r) in m.in_flight(t) {
            idle = false;
            if decisive.is(r) {
                let flight_ms = r.gone_us().saturating_sub(r.sent_us) as f64 / 1000.0;
                speed = speed.min(flight_ms / DECISIVE_MS);
            }
        }
        // The next caption waits until this one could be read: time slows so that it comes no
        // sooner than the reading time left.
        if let (Some(at), Some(st)) = (m.next_step_after(t), m.step_at(t).and_then(|i| m.file.steps.get(i))) {
            let left_ms = reading_ms(&st.caption) - self.caption_read_ms;
            if left_ms > 0.0 {
                speed = speed.min((at - t) as f64 / 1000.0 / left_ms);
            }
        }
        let dt = ((real_ms * speed * 1000.0).round() as u64).max(1);
        let mut next = t + dt;
        // A caption starting within this frame: stop there (it may put another operation in
        // focus). A decisive message leaving within it: stop when it leaves, so it is slowed from
        // its start.
        if let Some(at) = m.next_step_after(t) {
            next = next.min(at.max(t + 1));
        }
        let msgs = &m.rec().messages;
        let from = msgs.partition_point(|r| r.sent_us <= t);
        if let Some(r) = msgs[from..].iter().take_while(|r| r.sent_us < next).find(|r| decisive.is(r)) {
            next = r.sent_us;
        }
        if idle && m.recently_dropped(t, crate::model::DROP_FADE_US).is_empty() {
            let upcoming = m.next_visible_after(t);
            let lead = (IDLE_LEAD_MS * self.speed * 1000.0) as u64;
            next = next.max(upcoming.saturating_sub(lead));
        }
        next
    }

    /// Moves time forward while playing, stopping at the end and at an unanswered
    /// predict-then-reveal checkpoint (the run pauses there and asks).
    fn advance_to(&mut self, next: u64) {
        self.t_us = next;
        if self.t_us >= self.model.end_us {
            self.playing = false;
        }
        self.settle();
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::BuildSlice(steps) => return self.build_slice(steps),
            Action::CancelBuild if self.pending.is_some() => {
                let mut s = (*self).clone();
                (s.pending, s.error) = (None, Some(words::BUILD_CANCELLED.to_string()));
                return Rc::new(s);
            }
            Action::CancelBuild => return self,
            _ if builds(&action) => {}
            _ => return self.reduce_now(action),
        }
        // The newest request wins: a run still being computed is dropped.
        let this = if self.pending.is_some() {
            let mut s = (*self).clone();
            s.pending = None;
            Rc::new(s)
        } else {
            self
        };
        let base = Rc::clone(&this);
        BUILDS.with_borrow_mut(|b| b.defer = true);
        let next = this.reduce_now(action.clone());
        let deferred = BUILDS.with_borrow_mut(|b| {
            b.defer = false;
            b.deferred.take()
        });
        let Some(b) = deferred else { return next };
        drop(next);
        // The experiment on screen stays; the new one is computed a slice at a time.
        let mut s = (*base).clone();
        s.wait_for(b, action);
        Rc::new(s)
    }
}

impl AppState {
    /// The next slice of the long run; once it has ended, the action that asked for it is
    /// reduced again with the finished run, on the state then on screen.
    fn build_slice(self: Rc<Self>, steps: u64) -> Rc<Self> {
        let Some(p) = self.pending.clone() else { return self };
        let mut cell = p.building.borrow_mut();
        let Some(b) = cell.as_mut() else { return self };
        if !b.slice(steps) {
            let mut s = (*self).clone();
            (s.pending_us, s.pending_pct) = (b.progress_us().0, b.percent());
            s.pending_slices += 1;
            return Rc::new(s);
        }
        let model = cell.take().map(Building::finish);
        drop(cell);
        BUILDS.with_borrow_mut(|c| c.ready = model);
        let mut base = (*self).clone();
        base.pending = None;
        let next = Rc::new(base).reduce(p.action.clone());
        BUILDS.with_borrow_mut(|c| c.ready = None);
        next
    }

    fn reduce_now(self: Rc<Self>, action: Action) -> Rc<Self> {
        let before = Rc::clone(&self);
        let next = self.reduce_one(action);
        if Rc::ptr_eq(&before, &next) {
            return next;
        }
        let started = next.playing && !before.playing;
        drop(before);
        // Whatever moved time or changed the run, a question the cursor reached opens now.
        let mut s = Rc::try_unwrap(next).unwrap_or_else(|rc| (*rc).clone());
        if started {
            s.play_from_us = s.t_us;
        }
        s.settle();
        Rc::new(s)
    }
}

impl AppState {
    fn reduce_one(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Tick(_)
            | Action::TogglePlay
            | Action::Seek(_)
            | Action::StepNext
            | Action::StepPrev
            | Action::JumpNext
            | Action::SetSpeed(_) => self.reduce_time(action),
            Action::Autoplay if self.playing => self,
            Action::Autoplay => self.reduce_time(Action::TogglePlay),
            Action::Answer(..) | Action::Continue | Action::ToggleReveal => self.reduce_checkpoint(action),
            Action::Set(_) | Action::Intervene(_) | Action::Undo => self.reduce_experiment(action),
            Action::LoadLesson(_) | Action::LoadText(_) | Action::LoadFile(_) | Action::OpenFragment(_) => {
                self.reduce_load(action)
            }
            Action::Import(name, text) => self.reduce_import(name, text),
            Action::Lab(a) => {
                let mut s = (*self).clone();
                // This experiment's network comes with its N, R and W (as `pbs --scenario`).
                let own = a == crate::lab::LabAction::Set(crate::lab::Field::Model(crate::lab::SCENARIO_MODEL));
                let mut lab = s.lab.reduce(a);
                if own {
                    let repl = &s.model.sc().repl;
                    (lab.n, lab.choices) = (repl.n, format!("{},{}", repl.r, repl.w));
                }
                s.lab = Rc::new(lab);
                Rc::new(s)
            }
            Action::OpenStale(found) => self.open_stale(found),
            Action::BuildSlice(_) | Action::CancelBuild => self,
            Action::CloseHistory => {
                let mut s = (*self).clone();
                s.imported = None;
                s.selection = Selection::default();
                Rc::new(s)
            }
            Action::SelectOp(_)
            | Action::SelectMsg(_)
            | Action::SelectNode(_)
            | Action::SelectAnomaly(_)
            | Action::SelectVerdict(_) => self.reduce_selection(action),
            Action::OfferDraft(_) | Action::RestoreDraft | Action::DiscardDraft => self.reduce_draft(action),
            Action::Escape
            | Action::Fail(_)
            | Action::DismissError
            | Action::ToggleHelp
            | Action::OpenDialog(_)
            | Action::SetScale(_)
            | Action::SetTheme(_)
            | Action::SetPanels(_)
            | Action::CloseDialog => self.reduce_page(action),
        }
    }
}

impl AppState {
    /// Playing, pausing, seeking, stepping, speed.
    fn reduce_time(self: Rc<Self>, action: Action) -> Rc<Self> {
        let end = self.model.end_us;
        let mut s = (*self).clone();
        if !matches!(action, Action::Tick(_)) {
            // Moved by hand: the caption now on screen is read from the next frame on.
            s.caption_read_ms = 0.0;
        }
        match action {
            Action::Tick(real_ms) => {
                if !s.playing {
                    return self;
                }
                let real_ms = real_ms.clamp(0.0, MAX_FRAME_MS);
                let (before, next) = (s.model.step_at(s.t_us), s.paced_next(real_ms).min(end));
                s.advance_to(next);
                // Real time the caption on screen has been read for (a new caption starts at 0).
                s.caption_read_ms = if s.model.step_at(s.t_us) == before { s.caption_read_ms + real_ms } else { 0.0 };
            }
            Action::TogglePlay => {
                // A question waiting for its answer is never skipped; once answered, Space goes on.
                if s.asking() {
                    return self;
                }
                if s.question.is_some() {
                    return self.reduce_checkpoint(Action::Continue);
                }
                s.playing = !s.playing;
                if s.playing && s.t_us >= end {
                    s.t_us = 0;
                }
            }
            Action::Seek(t) => {
                s.t_us = t.min(end);
                s.play_from_us = s.t_us;
            }
            Action::StepNext => {
                s.playing = false;
                s.t_us = s.model.next_event_after(s.t_us);
            }
            Action::StepPrev => {
                s.playing = false;
                s.t_us = s.model.prev_event_before(s.t_us);
            }
            Action::JumpNext => {
                if !s.playing {
                    return self;
                }
                let next = s.model.next_event_after(s.t_us);
                s.advance_to(next);
            }
            Action::SetSpeed(v) => s.speed = v.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]),
            _ => return self,
        }
        Rc::new(s)
    }

    /// A predict-then-reveal checkpoint: the answer, then playing on.
    fn reduce_checkpoint(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Answer(step, choice) => {
                if !s.answers.iter().any(|(i, _)| *i == step) {
                    s.answers.push((step, choice));
                }
            }
            Action::Continue => {
                if s.asking() {
                    return self;
                }
                // A question without choices counts as answered once the student goes on.
                if let Some(q) = s.question.take() {
                    if !s.answers.iter().any(|(a, _)| *a == q) {
                        s.answers.push((q, usize::MAX));
                    }
                }
                s.playing = s.t_us < s.model.end_us;
            }
            Action::ToggleReveal => s.view.reveal = !s.view.reveal,
            _ => return self,
        }
        Rc::new(s)
    }

    /// Settings and interventions: each re-runs the experiment from the start.
    fn reduce_experiment(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Set(setting) => Rc::new(self.with_file(apply_setting(&self.model.file, &setting))),
            Action::Intervene(ev) => {
                let before = self.model.file.run_until_ms;
                let file = add_event(&self.model.file, self.t_us, ev);
                let idx = file.events.len() - 1;
                let mut next = self.with_file(file);
                if next.error.is_none() {
                    next.interventions.push((idx, before));
                }
                Rc::new(next)
            }
            Action::Undo => {
                let mut interventions = self.interventions.clone();
                let Some((idx, run_until)) = interventions.pop() else { return self };
                let mut file = self.model.file.clone();
                if idx < file.events.len() {
                    file.events.remove(idx);
                }
                file.run_until_ms = run_until;
                let mut next = self.with_file(file);
                next.interventions = interventions;
                Rc::new(next)
            }
            _ => self,
        }
    }

    /// Another experiment: a lesson, an imported file, a link pasted into the address bar.
    fn reduce_load(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut n = match action {
            Action::LoadLesson(slug) => AppState::from_lesson(&slug),
            Action::LoadText(text) => match AppState::from_text(&text) {
                Ok(n) => n,
                Err(e) => {
                    let mut s = (*self).clone();
                    s.error = Some(words::not_loaded(&e));
                    return Rc::new(s);
                }
            },
            Action::LoadFile(file) => match build(*file) {
                Ok(m) => AppState::with_model(m, None),
                Err(e) => {
                    let mut s = (*self).clone();
                    s.error = Some(words::not_loaded(&e));
                    return Rc::new(s);
                }
            },
            Action::OpenFragment(f) => {
                // A damaged link (or host-page message) in an open page changes nothing but the
                // message: the experiment on screen, maybe the student's own, stays.
                let mut n = match AppState::opened(&f) {
                    Ok(n) => n.arrived(&f),
                    Err(why) => {
                        let mut s = (*self).clone();
                        (s.error, s.notices) = (Some(why.kept()), s.notices.wrapping_add(1));
                        return Rc::new(s);
                    }
                };
                n.reduced_motion = self.reduced_motion;
                n.lab = Rc::clone(&self.lab);
                n.draft = self.replaced_draft();
                return Rc::new(n);
            }
            _ => return self,
        };
        n.draft = self.replaced_draft();
        n.speed = self.speed;
        n.reduced_motion = self.reduced_motion;
        n.lab = Rc::clone(&self.lab);
        // The page's options (embed, panels, reveal) stay; the new run starts paused.
        n.view = View { autoplay: false, ..self.view.clone() };
        n.question = None;
        n.settle();
        Rc::new(n)
    }

    /// The lab's stale trial as the experiment: its get selected, the cursor at the instant it
    /// returned (the stale value is then on screen, and nothing later is).
    fn open_stale(self: Rc<Self>, found: Option<(u64, String)>) -> Rc<Self> {
        let Some((_, text)) = found else {
            let mut s = (*self).clone();
            let why = words::NO_STALE_TRIAL.to_string();
            s.lab = Rc::new(s.lab.reduce(crate::lab::LabAction::Failed(why)));
            return Rc::new(s);
        };
        let loaded = self.reduce_load(Action::LoadText(text));
        let mut s = (*loaded).clone();
        s.lab = Rc::new(s.lab.reduce(crate::lab::LabAction::Opened));
        if s.error.is_none() {
            let get = s.model.report.ops.len().saturating_sub(1) as u32;
            s.selection.op = Some(get);
            s.t_us = s.model.op_end_us(get).unwrap_or(0).min(s.model.end_us);
        }
        Rc::new(s)
    }

    /// Import: a scenario file (JSON) loads as ever; any other text is read as a Jepsen
    /// history. One that cannot be read leaves the experiment as it was, with the reason.
    fn reduce_import(self: Rc<Self>, name: String, text: String) -> Rc<Self> {
        if text.trim_start_matches('\u{feff}').trim_start().starts_with('{') {
            return self.reduce_load(Action::LoadText(text));
        }
        let mut s = (*self).clone();
        match quorumscope_core::parse_jepsen(&text) {
            Ok(h) if h.ops.is_empty() => s.error = Some(words::no_history(&name)),
            Ok(h) => {
                let verdicts = crate::model::Verdicts::of_log(h);
                s.imported = Some(Rc::new(Imported { name, verdicts }));
                (s.selection, s.playing, s.error) = (Selection::default(), false, None);
            }
            Err(e) => s.error = Some(words::history_unreadable(&name, &e.to_string())),
        }
        Rc::new(s)
    }

    /// What to offer back once this state is replaced: itself if it was the student's own,
    /// else what it was already offering.
    fn replaced_draft(&self) -> Option<String> {
        if self.is_students() {
            Some(self.draft_fragment())
        } else {
            self.draft.clone()
        }
    }

    fn reduce_draft(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            // Not when it is what is on screen already (a reload of the same experiment).
            Action::OfferDraft(f) if self.view.embed || (self.is_students() && f == self.draft_fragment()) => self,
            Action::OfferDraft(f) => {
                let mut s = (*self).clone();
                s.draft = Some(f);
                Rc::new(s)
            }
            Action::RestoreDraft => {
                let Some(text) = self.draft.clone() else { return self };
                let mut s = match crate::link::from_draft(&text) {
                    Ok(f) => {
                        let restored = self.reduce_load(Action::OpenFragment(Box::new(f)));
                        Rc::try_unwrap(restored).unwrap_or_else(|rc| (*rc).clone())
                    }
                    Err(e) => {
                        let mut s = (*self).clone();
                        s.error = Some(format!("The experiment kept in this browser could not be read ({e})."));
                        s
                    }
                };
                s.draft = None;
                Rc::new(s)
            }
            Action::DiscardDraft => {
                let mut s = (*self).clone();
                s.draft = None;
                Rc::new(s)
            }
            _ => self,
        }
    }

    fn reduce_selection(self: Rc<Self>, action: Action) -> Rc<Self> {
        let end = self.model.end_us;
        let mut s = (*self).clone();
        match action {
            Action::SelectOp(op) => {
                s.selection = Selection { op: Some(op), ..Selection::default() };
                if let Some(start) = s.model.report.ops.get(op as usize).and_then(|o| o.start_ms) {
                    s.t_us = (start * 1000.0).round() as u64;
                }
                s.playing = false;
            }
            Action::SelectMsg(m) => {
                if s.selection.msg == Some(m) {
                    return self;
                }
                s.selection.msg = Some(m);
            }
            Action::SelectNode(n) => s.selection = Selection { node: n, op: s.selection.op, ..Selection::default() },
            Action::SelectAnomaly(i) => {
                if let Some(a) = s.model.anomalies.get(i) {
                    s.selection = Selection {
                        anomaly: Some(i),
                        op: a.op.or(a.related_ops.first().copied()),
                        ..Selection::default()
                    };
                    s.t_us = a.at_us.min(end);
                    s.playing = false;
                }
            }
            Action::SelectVerdict(i) => {
                if s.asking() || i > quorumscope_core::MODELS.len() {
                    return self;
                }
                s.selection = Selection { verdict: Some(i), ..Selection::default() };
                if s.imported.is_some() {
                    return Rc::new(s);
                }
                let v = s.model.verdicts();
                let at = match v.models.get(i) {
                    Some(u) if u.verdict.status == quorumscope_core::Status::Violated => u.since,
                    Some(_) => None,
                    // Convergence is decided at the end.
                    None => {
                        v.convergent.as_ref().filter(|c| c.status == quorumscope_core::Status::Violated).map(|_| end)
                    }
                };
                if let Some(at) = at {
                    s.selection.op = v.witness_ops(i).first().copied();
                    s.t_us = at.min(end);
                    s.playing = false;
                }
            }
            _ => return self,
        }
        Rc::new(s)
    }

    /// Dialogs, errors and Escape.
    fn reduce_page(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Escape => {
                if s.dialog != Dialog::None {
                    s.dialog = Dialog::None;
                } else {
                    s.selection = Selection::default();
                }
            }
            Action::Fail(msg) => (s.error, s.notices) = (Some(msg), s.notices.wrapping_add(1)),
            Action::DismissError => s.error = None,
            Action::ToggleHelp => {
                s.dialog = if s.dialog == Dialog::Help { Dialog::None } else { Dialog::Help };
            }
            Action::OpenDialog(d) => s.dialog = d,
            Action::CloseDialog => s.dialog = Dialog::None,
            Action::SetScale(k) => s.view.scale = k.clamp(1, 3),
            Action::SetTheme(t) => s.view.theme = t,
            Action::SetPanels(p) => s.view.panels = p,
            _ => return self,
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(slug: &str) -> Rc<AppState> {
        Rc::new(AppState::from_lesson(slug))
    }

    /// A lesson without its narrated steps, so playing is not paused by its checkpoints.
    fn plain(slug: &str) -> Rc<AppState> {
        let s = AppState::from_lesson(slug);
        let mut file = s.model.file.clone();
        file.steps.clear();
        Rc::new(s.with_file(file))
    }

    /// A lesson whose questions are all answered already (for tests about something else).
    fn answered(slug: &str) -> Rc<AppState> {
        let mut s = AppState::from_lesson(slug);
        s.answers = s
            .model
            .file
            .steps
            .iter()
            .enumerate()
            .filter(|(_, st)| st.predict.is_some())
            .map(|(i, st)| (i, st.answer.unwrap_or(0)))
            .collect();
        s.question = None;
        s.t_us = 0;
        Rc::new(s)
    }

    fn go(s: Rc<AppState>, actions: &[Action]) -> Rc<AppState> {
        actions.iter().cloned().fold(s, |s, a| s.reduce(a))
    }

    #[test]
    fn changing_a_setting_reruns_and_keeps_the_time() {
        let s = go(
            answered("quorum-overlap"),
            &[Action::Seek(150_000), Action::Set(Setting::W(1)), Action::Set(Setting::R(1))],
        );
        assert_eq!(s.t_us, 150_000);
        assert_eq!(s.model.sc().repl.w, 1);
        assert_eq!(s.model.sc().repl.r, 1);
        assert!(s.error.is_none());
    }

    #[test]
    fn n_pulls_w_and_r_down_and_invalid_settings_are_reported_not_applied() {
        let s = go(start("quorum-overlap"), &[Action::Set(Setting::N(2))]);
        assert_eq!((s.model.sc().repl.n, s.model.sc().repl.w, s.model.sc().repl.r), (2, 2, 2));
        let before = Rc::clone(&s.model);
        let s = s.reduce(Action::Set(Setting::W(3)));
        assert!(s.error.as_deref().unwrap().contains("replication.w"));
        assert!(Rc::ptr_eq(&s.model, &before), "the old experiment keeps running");
    }

    #[test]
    fn interventions_are_scenario_events_at_the_current_time_and_undo_removes_them() {
        let s = go(answered("quorum-overlap"), &[Action::Seek(300_000), Action::Intervene(Ev::Crash("A".into()))]);
        let last = s.model.file.events.last().unwrap();
        assert_eq!(last.at_ms, 300.0);
        assert_eq!(last.action, Ev::Crash("A".into()));
        assert!(s.model.report.final_state.0.iter().any(|(n, _)| n == "A"));
        let s = s.reduce(Action::Intervene(Ev::Put {
            client: "zoe".into(),
            key: "x".into(),
            value: "v9".into(),
            blind: false,
        }));
        assert_eq!(s.model.report.ops.last().unwrap().client, "zoe");
        assert_eq!(s.interventions.len(), 2);
        let s = go(s, &[Action::Undo, Action::Undo]);
        assert_eq!(s.model.file, start("quorum-overlap").model.file);
    }

    #[test]
    fn an_intervention_near_the_end_extends_the_run() {
        let s = start("stale-read");
        let end = s.model.end_us;
        let s = go(s, &[Action::Seek(end), Action::Intervene(Ev::Get { client: "bob".into(), key: "x".into() })]);
        assert!(s.model.end_us > end);
        assert_eq!(s.model.report.ops.last().unwrap().status, quorumscope_core::OpStatus::Ok);
    }

    #[test]
    fn playing_advances_by_speed_and_stops_at_the_end() {
        let s = go(plain("stale-read"), &[Action::SetSpeed(0.1), Action::TogglePlay, Action::Tick(50.0)]);
        assert_eq!(s.t_us, 5_000);
        assert!(s.playing);
        // A huge gap (a hidden tab) is capped.
        let s = s.reduce(Action::Tick(60_000.0));
        assert_eq!(s.t_us, 5_000 + 10_000);
        let s = go(s, &[Action::SetSpeed(5.0)]);
        let s = (0..1000).fold(s, |s, _| s.reduce(Action::Tick(100.0)));
        assert_eq!(s.t_us, s.model.end_us);
        assert!(!s.playing);
        // Paused: a tick changes nothing, not even the Rc.
        let same = Rc::clone(&s);
        assert!(Rc::ptr_eq(&same.reduce(Action::Tick(16.0)), &s));
    }

    #[test]
    fn while_playing_the_page_renders_only_when_what_it_shows_changes() {
        // The put reaches A at 5 ms; at speed 0.1 a 16 ms frame is 1.6 ms of simulated time.
        let s = go(plain("stale-read"), &[Action::SetSpeed(0.1), Action::TogglePlay, Action::Tick(10.0)]);
        assert_eq!(s.t_us, 1_000);
        let next = s.clone().reduce(Action::Tick(16.0));
        assert_eq!(next.t_us, 2_600);
        assert!(*next == *s, "a frame between two trace events renders nothing (the painters move it)");
        // Across the arrival at 5 ms a trace event happened: the page renders.
        let later = go(next.clone(), &[Action::Tick(16.0), Action::Tick(16.0)]);
        assert_eq!(later.t_us, 5_800);
        assert!(*later != *next);
        // The coarse text clock (200 ms of real time) renders too, events or not.
        let (a, b) = (s.shown_time(), go(s.clone(), &[Action::Tick(100.0), Action::Tick(100.0)]).shown_time());
        assert_ne!(a.3, b.3);
        // Paused, every instant is its own render.
        let paused = go(s.clone(), &[Action::TogglePlay]);
        assert!(*paused.clone().reduce(Action::Seek(1_100)) != *paused);
    }

    #[test]
    fn stepping_moves_between_events() {
        // At 0 the put has just been sent; the next event is its arrival at A (5 ms), then A's
        // acknowledgement reaching alice (10 ms).
        let s = go(start("stale-read"), &[Action::StepNext]);
        assert_eq!(s.t_us, 5_000);
        let s = go(s, &[Action::StepNext]);
        assert_eq!(s.t_us, 10_000);
        let s = go(s, &[Action::StepPrev]);
        assert_eq!(s.t_us, 5_000);
        let s = go(s, &[Action::StepPrev, Action::StepPrev]);
        assert_eq!(s.t_us, 0);
    }

    #[test]
    fn selecting_an_anomaly_jumps_to_its_time_and_highlights_its_operation() {
        let s = answered("stale-read");
        assert_eq!(s.model.anomalies.len(), 1);
        let s = s.reduce(Action::SelectAnomaly(0));
        assert_eq!(s.selection.op, Some(1));
        assert_eq!(s.t_us, s.model.anomalies[0].at_us);
    }

    #[test]
    fn selecting_a_violated_model_jumps_to_when_it_became_impossible_and_lights_its_witness() {
        let s = go(answered("quorum-not-linearizable"), &[Action::Seek(400_000)]);
        let v = s.model.verdicts();
        let lin = &v.models[0];
        assert_eq!(lin.verdict.status, quorumscope_core::Status::Violated);
        let (since, witness) = (lin.since.unwrap(), v.witness_ops(0));
        // Carol's read (op 3) answering v0 after Bob's read of v1 ended: from its end.
        assert_eq!(since, quorumscope_core::ms_to_us(s.model.report.ops[3].end_ms.unwrap()));
        assert_eq!(witness, vec![0, 2, 3]);
        let s = s.reduce(Action::SelectVerdict(0));
        assert_eq!((s.t_us, s.selection.verdict, s.selection.op), (since, Some(0), Some(0)));
        assert_eq!(s.focus().focus_ops(&s.model), witness);
        // Scrubbed back before that instant, the witness is not lit: it would show the future.
        let back = go(s.clone(), &[Action::Seek(since - 1)]);
        assert_eq!(back.selection.verdict, Some(0));
        assert!(back.focus().focus_ops(&back.model).is_empty());
        // A model that held moves nothing and lights nothing.
        let held = s.reduce(Action::SelectVerdict(1));
        assert_eq!((held.t_us, held.selection.op), (since, None));
        assert!(held.selection.focus_ops(&held.model).is_empty());
    }

    #[test]
    fn while_a_question_waits_a_model_cannot_be_selected_and_no_witness_shows() {
        let s = start("quorum-not-linearizable").reduce(Action::Seek(400_000));
        assert!(s.asking());
        let t = s.t_us;
        let s = s.reduce(Action::SelectVerdict(0));
        assert_eq!((s.t_us, s.selection.verdict), (t, None));
        // Selected earlier, then a question opens: the witness is not shown while it waits.
        let mut s = (*s).clone();
        s.selection.verdict = Some(0);
        assert!(s.focus().focus_ops(&s.model).is_empty());
    }

    #[test]
    fn import_reads_a_jepsen_history_or_names_the_line_it_cannot_read() {
        let s = start("stale-read");
        let log = "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n\
                   INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\tnil\n";
        let h = s.clone().reduce(Action::Import("a.log".into(), log.into()));
        let imp = h.imported.as_ref().expect("a history");
        assert_eq!((imp.name.as_str(), imp.verdicts.history.ops.len()), ("a.log", 2));
        assert_eq!(imp.verdicts.models[0].verdict.status, quorumscope_core::Status::Violated);
        assert!(Rc::ptr_eq(&h.model, &s.model), "the experiment stays behind it");
        assert!(h.clone().reduce(Action::CloseHistory).imported.is_none());
        // Over a lesson whose question waits (the landing page's, at 0 ms), the history's
        // verdicts can still be selected: the question is the lesson's, behind it.
        let asked = start(lessons::DEFAULT);
        assert!(asked.asking());
        let h = asked.reduce(Action::Import("a.log".into(), log.into()));
        assert!(!h.asking());
        assert_eq!(h.reduce(Action::SelectVerdict(0)).selection.verdict, Some(0));
        let bad = s.clone().reduce(Action::Import("b.log".into(), log.replace("- 1\t:ok", "- 7\t:ok")));
        assert!(bad.imported.is_none());
        assert!(
            bad.error.as_deref().unwrap().contains("b.log as a Jepsen history — line 4: process 7"),
            "{:?}",
            bad.error
        );
        assert!(Rc::ptr_eq(&bad.model, &s.model));
        // A scenario file an editor began with a byte-order mark loads as one.
        let bom = s.clone().reduce(Action::Import(
            "bom.json".into(),
            format!("\u{feff}{}", crate::lessons::text("quorum-overlap").unwrap()),
        ));
        assert!(bom.error.is_none(), "{:?}", bom.error);
        assert_eq!(bom.model.sc().title, plain("quorum-overlap").model.sc().title);
        let none = s.clone().reduce(Action::Import("c.txt".into(), "hello\n".into()));
        assert!(none.error.as_deref().unwrap().starts_with("c.txt is neither a scenario file"));
        // A scenario file still loads as one.
        let json = s.reduce(Action::Import(
            "d.json".into(),
            r#"{"nodes": ["P", "Q"], "replication": {"n": 2, "w": 1, "r": 1}}"#.into(),
        ));
        assert_eq!((json.model.sc().nodes.len(), json.imported.is_none()), (2, true));
    }

    #[test]
    fn node_count_and_datacenters_reshape_the_cluster() {
        let s = go(start("failed-write"), &[Action::Set(Setting::Nodes(5)), Action::Set(Setting::Datacenters(2))]);
        let sc = s.model.sc();
        assert_eq!(sc.nodes.len(), 5);
        assert_eq!(sc.dcs, vec!["dc1", "dc2"]);
        let s = s.reduce(Action::Set(Setting::Nodes(2)));
        assert!(s.error.is_none(), "{:?}", s.error);
        assert_eq!(s.model.sc().nodes.len(), 2);
        assert_eq!(s.model.sc().repl.n, 2);
        // Crash events naming the removed node C were dropped with it.
        assert!(!s.model.file.events.iter().any(|e| e.action == Ev::Crash("C".into())));
    }

    #[test]
    fn a_bad_file_keeps_the_current_experiment_and_says_why() {
        let s = start("stale-read");
        let s2 = s.clone().reduce(Action::LoadText("{\"nodes\": [\"A\"], \"replication\": {\"w\": 9}}".into()));
        assert!(s2.error.as_deref().unwrap().contains("replication"));
        assert!(Rc::ptr_eq(&s.model, &s2.model));
        let s3 = s2.reduce(Action::LoadText(lessons::text("read-repair").unwrap().into()));
        assert!(s3.error.is_none());
        assert_eq!(s3.model.sc().title, "A stale replica after recovery: who fixes it?");
    }

    #[test]
    fn a_link_reopens_the_same_experiment_at_the_same_instant() {
        let s = go(
            start("failed-write"),
            &[
                Action::Seek(300_000),
                Action::Intervene(Ev::Crash("A".into())),
                Action::SelectOp(0),
                Action::Seek(900_000),
            ],
        );
        assert!(!s.unchanged_lesson());
        let frag = crate::link::fragment(&s.shared(), s.unchanged_lesson(), &crate::link::View::default());
        let t = AppState::from_fragment(&crate::link::parse(&frag, ""));
        assert_eq!(t.model.file, s.model.file);
        assert_eq!(t.t_us, 900_000);
        assert_eq!(t.selection.op, Some(0));
        assert_eq!(t.snapshot_digest(), s.snapshot_digest());
        assert!(t.error.is_none());
    }

    /// In an open page, a damaged link or an unknown lesson changes only the message: the
    /// student's edited experiment stays on screen, at its instant. On a first visit the same
    /// address shows the first lesson, in the address's view (an embed stays an embed).
    #[test]
    fn a_damaged_link_in_an_open_page_keeps_the_experiment_on_screen() {
        let edited = go(start("quorum-overlap"), &[Action::Set(Setting::N(2)), Action::Seek(40_000)]);
        for frag in ["#v1=%%%", "#v2=abc", "#lesson=no-such-lesson", "#v1=eJzLSM3JyVcozy_KSQEAGgQEXQ"] {
            let s = edited.clone().reduce(Action::OpenFragment(Box::new(crate::link::parse(frag, ""))));
            assert!(Rc::ptr_eq(&s.model, &edited.model), "{frag}");
            assert_eq!(s.t_us, 40_000);
            let said = s.error.as_deref().unwrap();
            assert!(said.ends_with(" The experiment on screen is unchanged."), "{frag}: {said}");
            // The same link again: the same words, given again (the alert is drawn anew).
            let again = s.clone().reduce(Action::OpenFragment(Box::new(crate::link::parse(frag, ""))));
            assert!(*again != *s && again.notices == s.notices + 1, "{frag}");
            let first = AppState::from_fragment(&crate::link::parse(&format!("{frag}&embed=1"), ""));
            assert_eq!(first.lesson.as_deref(), Some(lessons::DEFAULT));
            assert!(first.view.embed, "{frag}");
            assert!(first.error.as_deref().unwrap().ends_with(" Showing the first lesson instead."));
        }
    }

    #[test]
    fn an_unchanged_lesson_gets_a_short_link() {
        let s = go(answered("sloppy-quorum"), &[Action::Seek(350_000)]);
        assert!(s.unchanged_lesson());
        let frag = crate::link::fragment(&s.shared(), true, &crate::link::View::default());
        assert_eq!(frag, "#lesson=sloppy-quorum&t=350");
        let t = AppState::from_fragment(&crate::link::parse(&frag, ""));
        // A fresh reader has not answered the question at 100 ms: the link opens there, asking.
        assert_eq!((t.lesson.as_deref(), t.t_us, t.question), (Some("sloppy-quorum"), 100_000, Some(1)));
        let t = AppState::from_fragment(&crate::link::parse("#lesson=sloppy-quorum&t=350&reveal=1", ""));
        assert_eq!((t.t_us, t.question, t.known_us()), (350_000, None, t.model.end_us));
    }

    /// The lessons' first question and its time.
    fn first_question(s: &AppState) -> (usize, u64) {
        let (i, _) = s.model.file.steps.iter().enumerate().find(|(_, st)| st.predict.is_some()).unwrap();
        (i, s.model.step_us[i].unwrap())
    }

    /// Plays every lesson at the default speed, 60 frames a second, answering each question as it
    /// comes: no stretch of more than about 2 s of real time has nothing in flight and no caption
    /// still to read, every decisive message (of the operation a caption focuses on, a repair, a
    /// handoff) is on screen for about a second, and every caption stays until it could be read. Prints the figures (`cargo test -p quorumscope-web pacing -- --nocapture`).
    #[test]
    fn pacing_every_lesson() {
        const FRAME: f64 = 1000.0 / 60.0;
        for l in lessons::LESSONS {
            let mut s = start(l.slug);
            let n = s.model.rec().messages.len();
            let (mut real, mut idle, mut stretch, mut longest) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
            let (mut shown, mut referenced) = (vec![0.0f64; n], vec![false; n]);
            let mut read = vec![0.0f64; s.model.file.steps.len()];
            if s.question.is_none() {
                s = s.reduce(Action::TogglePlay);
            }
            while real < 600_000.0 {
                if let Some(q) = s.question {
                    s = go(s, &[Action::Answer(q, 0), Action::Continue]);
                    continue;
                }
                if !s.playing {
                    break;
                }
                let decisive = Decisive::at(&s);
                let mut any = false;
                for (id, r) in s.model.in_flight(s.t_us) {
                    any = true;
                    shown[id as usize] += FRAME;
                    referenced[id as usize] |= decisive.is(r);
                }
                // A caption still being read is something to look at.
                let caption = s.model.step_at(s.t_us);
                if let Some(i) = caption {
                    read[i] += FRAME;
                }
                let reading = caption.is_some_and(|i| s.caption_read_ms < reading_ms(&s.model.file.steps[i].caption));
                if any || reading {
                    stretch = 0.0;
                } else {
                    (idle, stretch) = (idle + FRAME, stretch + FRAME);
                    longest = longest.max(stretch);
                }
                real += FRAME;
                let before = s.t_us;
                s = s.reduce(Action::Tick(FRAME));
                // A crash, a recovery, a caption: the picture changed although nothing flies.
                if s.model.next_visible_after(before) <= s.t_us {
                    stretch = 0.0;
                }
            }
            let shortest = (0..n).filter(|i| referenced[*i]).map(|i| shown[i]).fold(f64::MAX, f64::min);
            println!(
                "pacing {:<20} real {:>6} s · idle {:>3}% · longest idle {:>5} s · shortest referenced message on screen {} s",
                l.slug,
                quorumscope_core::num::fixed(real / 1000.0, 1),
                quorumscope_core::num::fixed(100.0 * idle / real.max(1.0), 0),
                quorumscope_core::num::fixed(longest / 1000.0, 2),
                if shortest == f64::MAX { "-".to_string() } else { quorumscope_core::num::fixed(shortest / 1000.0, 2) }
            );
            assert!(s.t_us >= s.model.end_us, "{} plays to its end", l.slug);
            assert!(longest <= 2_100.0, "{}: {longest} ms of real time with nothing in flight", l.slug);
            // A message whose operation leaves focus in mid-flight (the caption changed) speeds up
            // for the rest of its way: "about a second" allows for that.
            assert!(shortest >= 750.0, "{}: a referenced message on screen only {shortest} ms", l.slug);
            // Every caption another one replaces stayed long enough to be read.
            let times = &s.model.step_us;
            for (i, st) in s.model.file.steps.iter().enumerate() {
                let replaced = times[i].is_some_and(|t| times.iter().flatten().any(|u| *u > t));
                let need = reading_ms(&st.caption) - 2.0 * FRAME;
                assert!(!replaced || read[i] >= need, "{} step {i}: read for {} ms of {need}", l.slug, read[i]);
            }
        }
    }

    #[test]
    fn questions_fire_however_time_moves_and_wait_for_an_answer() {
        for l in lessons::LESSONS {
            let s = answered(l.slug);
            let fresh = start(l.slug);
            let Some((q, at)) = fresh
                .model
                .file
                .steps
                .iter()
                .position(|st| st.predict.is_some())
                .map(|i| (i, first_question(&fresh).1))
            else {
                continue;
            };
            let mut s = (*s).clone();
            s.answers.clear();
            let s = Rc::new(s);
            // Play, step, seek (to the end and to the exact time) and a link after it: each stops there.
            let moves: [&[Action]; 5] = [
                &[
                    Action::SetSpeed(5.0),
                    Action::TogglePlay,
                    Action::Tick(100.0),
                    Action::Tick(100.0),
                    Action::Tick(100.0),
                ],
                &[
                    Action::StepNext,
                    Action::StepNext,
                    Action::StepNext,
                    Action::StepNext,
                    Action::StepNext,
                    Action::StepNext,
                ],
                &[Action::Seek(u64::MAX)],
                &[Action::Seek(at)],
                &[Action::Seek(at), Action::StepNext, Action::StepNext],
            ];
            for m in moves {
                let s = go(s.clone(), m);
                if s.t_us >= at || at == 0 {
                    assert_eq!((s.question, s.t_us, s.playing), (Some(q), at, false), "{} {m:?}", l.slug);
                    // Space, the arrows, End: none of them skips it.
                    let s = go(s, &[Action::TogglePlay, Action::StepNext, Action::Seek(u64::MAX), Action::TogglePlay]);
                    assert_eq!((s.question, s.t_us, s.playing), (Some(q), at, false), "{}", l.slug);
                    assert!(s.asking());
                    let s = go(s, &[Action::Answer(q, 0), Action::TogglePlay]);
                    assert!(s.question != Some(q) && s.answers.iter().any(|(a, _)| *a == q), "{}", l.slug);
                }
            }
            let link = AppState::from_fragment(&crate::link::parse(&format!("#lesson={}&t=999999", l.slug), ""));
            assert_eq!((link.question, link.t_us), (Some(q), at), "{}", l.slug);
            if at == 0 {
                assert_eq!(fresh.question, Some(q), "a question at 0 is asked on opening: {}", l.slug);
            }
        }
    }

    #[test]
    fn a_students_experiment_replaced_by_another_is_kept_and_offered_back() {
        // An unedited lesson replaced by another: nothing of the student's to keep.
        let s = go(start("quorum-overlap"), &[Action::LoadLesson("stale-read".into())]);
        assert_eq!(s.draft, None);
        // An edited one: kept, offered, and restored exactly (settings, time, lesson of origin).
        let edited = go(start("quorum-overlap"), &[Action::Set(Setting::W(1)), Action::Seek(30_000)]);
        let s = go(edited.clone(), &[Action::LoadLesson("stale-read".into())]);
        assert!(s.draft.is_some() && s.lesson.as_deref() == Some("stale-read") && !s.edited);
        // Another lesson picked meanwhile does not lose it.
        let s = go(s, &[Action::LoadLesson("read-repair".into())]);
        let back = go(s, &[Action::RestoreDraft]);
        assert_eq!(back.model.file, edited.model.file);
        assert!(back.edited && back.lesson.as_deref() == Some("quorum-overlap") && back.draft.is_none());
        assert_eq!(back.t_us, 30_000);
        // What a reload offers: not the experiment already on screen, any other one.
        let again = go(back.clone(), &[Action::OfferDraft(back.draft_fragment())]);
        assert_eq!(again.draft, None);
        let offered = go(start("stale-read"), &[Action::OfferDraft(back.draft_fragment())]);
        assert!(offered.draft.is_some());
        assert_eq!(go(offered, &[Action::DiscardDraft]).draft, None);
        // A damaged kept value is refused with a message and changes nothing.
        let s = go(start("stale-read"), &[Action::OfferDraft("{\"scenario\": 3}".into()), Action::RestoreDraft]);
        assert!(s.error.as_deref().is_some_and(|e| e.contains("could not be read")), "{:?}", s.error);
        assert_eq!(s.lesson.as_deref(), Some("stale-read"));
        // Embeds keep and offer nothing: their experiment is their page's.
        let mut e = AppState::from_lesson("quorum-overlap");
        e.view.embed = true;
        let e = go(Rc::new(e), &[Action::Set(Setting::W(1)), Action::OfferDraft(back.draft_fragment())]);
        assert!(!e.is_students() && e.draft.is_none());
    }

    #[test]
    fn an_edited_lesson_is_the_students_experiment_and_asks_no_questions() {
        let s = start("quorum-overlap");
        assert!(!s.edited);
        let s = go(s, &[Action::Set(Setting::W(1))]);
        assert!(s.edited && s.question.is_none());
        assert_eq!(s.lesson_number(), Some(2));
        let s = go(s, &[Action::Seek(u64::MAX)]);
        assert_eq!((s.t_us, s.question), (s.model.end_us, None));
        // A link of it says the same when opened.
        let frag = crate::link::fragment(&s.shared(), s.unchanged_lesson(), &crate::link::View::default());
        let t = AppState::from_fragment(&crate::link::parse(&frag, ""));
        assert!(t.edited && t.question.is_none() && t.lesson.as_deref() == Some("quorum-overlap"));
        // Setting it back makes it the lesson again.
        let s = go(s, &[Action::Set(Setting::W(3))]);
        assert!(!s.edited);
    }

    #[test]
    fn damaged_links_and_unknown_lessons_fall_back_to_the_default_lesson_with_a_message() {
        for frag in ["#v1=AAAA", "#v1=%%%", "#v9=x", "#lesson=<script>alert(1)</script>"] {
            let s = AppState::from_fragment(&crate::link::parse(frag, ""));
            assert!(s.error.is_some(), "{frag}");
            assert_eq!(s.lesson.as_deref(), Some(lessons::DEFAULT), "{frag}");
        }
    }

    #[test]
    fn a_checkpoint_pauses_the_run_and_asks() {
        let mut s = (*plain("stale-read")).clone();
        s.lesson = None;
        let mut file = s.model.file.clone();
        file.steps.push(quorumscope_core::scenario::StepDecl {
            at_ms: 15.0,
            when: None,
            describes: vec![],
            caption: "Bob is about to read.".into(),
            predict: Some("What will Bob's read return?".into()),
            choices: vec!["v1".into(), "nothing".into()],
            answer: Some(1),
            reveal: Some("Nothing: C has not received v1.".into()),
            focus_op: None,
        });
        s = s.with_file(file);
        let s = go(Rc::new(s), &[Action::SetSpeed(1.0), Action::TogglePlay, Action::Tick(10.0), Action::Tick(10.0)]);
        assert_eq!((s.t_us, s.playing, s.question), (15_000, false, Some(0)));
        assert_eq!(s.caption().unwrap().caption, "Bob is about to read.");
        let s = go(s, &[Action::Answer(0, 1), Action::Continue, Action::Tick(10.0)]);
        assert_eq!((s.t_us, s.playing, s.question), (25_000, true, None));
        // Answered checkpoints are not asked again when the run is replayed.
        let s = go(s, &[Action::Seek(0), Action::Tick(50.0)]);
        assert!(s.question.is_none());
    }

    #[test]
    fn escape_closes_any_dialog_before_it_clears_the_selection() {
        let s = go(start("stale-read"), &[Action::SelectOp(1)]);
        for d in [
            Dialog::Help,
            Dialog::Glossary,
            Dialog::Link("#x".into()),
            Dialog::Embed("<iframe>".into()),
            Dialog::Figure,
        ] {
            let open = s.clone().reduce(Action::OpenDialog(d.clone()));
            assert_eq!(open.dialog, d);
            let closed = open.reduce(Action::Escape);
            assert_eq!(closed.dialog, Dialog::None, "{d:?}");
            assert_eq!(closed.selection.op, Some(1), "the first Escape only closes the dialog");
            assert_eq!(closed.reduce(Action::Escape).selection, Selection::default());
        }
        // `?` toggles the help, replacing any other dialog; Close closes whatever is open.
        let s = go(s, &[Action::OpenDialog(Dialog::Glossary), Action::ToggleHelp]);
        assert_eq!(s.dialog, Dialog::Help);
        assert_eq!(s.clone().reduce(Action::ToggleHelp).dialog, Dialog::None);
        assert_eq!(s.reduce(Action::CloseDialog).dialog, Dialog::None);
    }

    #[test]
    fn text_views_follow_a_coarse_clock_while_playing() {
        let s = go(plain("stale-read"), &[Action::SetSpeed(0.1), Action::Seek(12_345)]);
        assert_eq!(s.text_t_us(), 12_345, "paused: exact");
        let s = go(s, &[Action::TogglePlay]);
        // 200 ms of real time at 0.1x is 20 ms of simulated time.
        assert_eq!(s.text_t_us(), 0);
        let s = go(s, &[Action::Seek(25_000)]);
        assert_eq!(s.text_t_us(), 20_000);
    }
    #[test]
    fn the_narration_never_goes_back_when_playing_goes_on_after_a_question() {
        // stale-read asks at 20 ms; the student answers and goes on at the default speed.
        let mut s = go(start("stale-read"), &[Action::TogglePlay]);
        for _ in 0..2_000 {
            if s.question.is_some() {
                break;
            }
            s = s.reduce(Action::Tick(16.0));
        }
        let q = s.question.expect("the lesson asks");
        let asked = s.model.narration(s.narration_t_us());
        let s = go(s, &[Action::Answer(q, 0), Action::Continue]);
        assert!(s.playing);
        // Rounded down to the narration's one-second clock, it would tell the put at 0 ms again.
        assert_eq!(s.model.narration(s.narration_t_us()), asked, "what was said is not said again, nor earlier events");
        let mut t = s.narration_t_us();
        let mut s = s;
        for _ in 0..200 {
            s = s.reduce(Action::Tick(16.0));
            assert!(s.narration_t_us() >= t, "the narration's clock runs forwards");
            t = s.narration_t_us();
        }
        assert!(t > s.play_from_us, "and it moves on");
    }

    #[test]
    fn the_lab_keeps_its_state_across_experiments_and_opens_a_stale_trial_at_its_get() {
        use crate::lab::{Field, LabAction, SCENARIO_MODEL};
        let s = Rc::new(AppState::from_lesson("stale-read"));
        let s = s.reduce(Action::Lab(LabAction::Set(Field::Seed(42))));
        let s = s.reduce(Action::LoadLesson("read-repair".into()));
        assert_eq!(s.lab.seed, 42, "another experiment leaves the lab as it was");
        // This experiment's network brings its N, R, W.
        let s = s.reduce(Action::Lab(LabAction::Set(Field::Model(SCENARIO_MODEL))));
        let repl = &s.model.sc().repl;
        assert_eq!((s.lab.n, s.lab.choices.clone()), (repl.n, format!("{},{}", repl.r, repl.w)));
        // A stale trial (as the worker finds it) opens with its get selected, at its end.
        let cfg = quorumscope_core::pbs::Config::from_json(r#"{"model":"LNKD-DISK","r":1,"w":1,"trials":10}"#).unwrap();
        let (seed, file) = quorumscope_core::pbs::stale_read(&cfg, 2.0, 1000).unwrap();
        let text = serde_json::to_string(&file).unwrap();
        let s = s.reduce(Action::OpenStale(Some((seed, text))));
        assert_eq!(s.selection.op, Some(1));
        assert_eq!(Some(s.t_us), s.model.op_end_us(1));
        assert_eq!(s.lab.run, crate::lab::Run::Opened);
        assert!(s.model.report.anomalies.iter().any(|a| a.kind == "stale_read"));
        let s = s.reduce(Action::OpenStale(None));
        assert_eq!(s.lab.run, crate::lab::Run::Failed(words::NO_STALE_TRIAL.into()));
    }

    /// A run far longer than one slice: the benchmark workload.
    fn long_text() -> String {
        serde_json::to_string(&quorumscope_core::bench::workload(8, 6_000, 16, 5)).unwrap()
    }

    /// Slices until the long run is computed (slices of `steps`), counting them.
    fn finish_building(mut s: Rc<AppState>, steps: u64) -> (Rc<AppState>, usize) {
        let mut n = 0;
        while s.pending.is_some() {
            let at = s.pending_us;
            s = s.reduce(Action::BuildSlice(steps));
            assert!(s.pending.is_none() || s.pending_us >= at, "progress never goes back");
            n += 1;
        }
        (s, n)
    }

    #[test]
    fn a_lesson_or_a_setting_never_waits_for_slices() {
        for l in lessons::LESSONS {
            let s = start(l.slug);
            assert!(s.model.sim.steps() < crate::model::FIRST_SLICE_STEPS, "{}", l.slug);
            let s = go(s, &[Action::Set(Setting::W(1)), Action::LoadLesson(lessons::DEFAULT.into())]);
            assert!(s.pending.is_none());
        }
    }

    #[test]
    fn a_long_run_waits_over_the_experiment_on_screen_and_cancel_keeps_it() {
        let s = go(answered("quorum-overlap"), &[Action::Seek(150_000), Action::SelectOp(1)]);
        let (model, t, sel) = (Rc::clone(&s.model), s.t_us, s.selection.clone());
        let w = Rc::clone(&s).reduce(Action::LoadText(long_text()));
        let p = w.pending.as_ref().expect("a long run is computed in slices");
        assert!(w.pending_us < p.end_us);
        assert!(Rc::ptr_eq(&w.model, &model) && w.t_us == t && w.selection == sel, "nothing changed yet");
        // The experiment on screen stays usable meanwhile.
        let w = go(w, &[Action::Seek(100_000), Action::BuildSlice(2_000)]);
        assert_eq!(w.t_us, 100_000);
        assert!(w.pending.is_some() && w != s);
        let c = Rc::clone(&w).reduce(Action::CancelBuild);
        assert!(c.pending.is_none());
        assert!(Rc::ptr_eq(&c.model, &model) && c.t_us == 100_000 && c.selection == sel);
        assert_eq!(c.error.as_deref(), Some(words::BUILD_CANCELLED));
        // A newer request replaces the run being computed.
        let n = w.clone().reduce(Action::LoadLesson("read-repair".into()));
        assert!(n.pending.is_none() && n.lesson.as_deref() == Some("read-repair"));
        let n = w.clone().reduce(Action::Set(Setting::W(1)));
        assert!(n.pending.is_none() && n.model.sc().repl.w == 1);
        // A slice after Cancel changes nothing.
        let after = Rc::clone(&c).reduce(Action::BuildSlice(2_000));
        assert!(Rc::ptr_eq(&after, &c));
    }

    #[test]
    fn a_long_run_in_slices_opens_exactly_the_run_in_one_go() {
        let text = long_text();
        let whole = AppState::from_text(&text).unwrap();
        let want = (serde_json::to_string(&whole.model.report).unwrap(), whole.model.rec().events);
        for steps in [1_500, 7_777] {
            let w = start("stale-read").reduce(Action::LoadText(text.clone()));
            let (s, n) = finish_building(w, steps);
            assert!(n > 2, "{n} slices");
            assert_eq!((serde_json::to_string(&s.model.report).unwrap(), s.model.rec().events), want);
            assert_eq!(s.model.file, whole.model.file);
            assert_eq!((s.t_us, s.lesson.as_deref(), s.error.as_deref()), (0, None, None));
            assert_eq!(s.snapshot_digest(), whole.snapshot_digest());
        }
    }

    #[test]
    fn a_link_whose_run_is_long_opens_under_its_progress() {
        let file = quorumscope_core::bench::workload(8, 6_000, 16, 5);
        let shared = crate::link::Shared { scenario: file, t_ms: 700.0, op: None, speed: None, lesson: None };
        let mut f = crate::link::Fragment::default();
        f.shared = Some(Ok(shared));
        let s = Rc::new(AppState::opening(&f));
        assert!(s.pending.is_some() && s.error.is_none());
        assert_eq!(s.lesson.as_deref(), Some(lessons::DEFAULT));
        let (s, _) = finish_building(s, 5_000);
        let direct = AppState::from_fragment(&f);
        assert_eq!((s.t_us, s.lesson.clone()), (700_000, None));
        assert_eq!(s.model.file, direct.model.file);
        assert_eq!(s.snapshot_digest(), direct.snapshot_digest());
    }
}
