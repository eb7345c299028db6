//! The one search every model uses: put some steps (operations) in a single order that a
//! register allows, where a step may only go once its predecessors have. Linearizability's
//! predecessors are real time (Wing & Gong: a step may go once every step that ended before it
//! began has gone); sequential consistency's and the session guarantees' are explicit lists.
//! Lowe's memoisation: a configuration is the set of steps placed (a bitset) and the registers'
//! values; one seen before is never explored again. The search counts the steps it tries and
//! gives up, saying so, past its budget.
//!
//! Free writes and jumps are placed only when the very next step needs their value (see
//! [`Step::lazy`]), which keeps the session guarantees' searches small.

/// A register value inside the search: 0 is nil, `i + 1` is `History::values[i]`.
pub(crate) type Val = u32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Act {
    /// Returned one of these (one value for a register read; siblings are several).
    Read(Vec<Val>),
    Write(Val),
    /// Compare-and-set that succeeded: expected, new.
    Cas(Val, Val),
    /// Compare-and-set that found another value than this one.
    CasFail(Val),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub act: Act,
    /// Register (key) index within the problem.
    pub reg: u32,
    /// Must go; an optional step (indeterminate) may go or never.
    pub required: bool,
    /// Index of the history operation it stands for.
    pub op: u32,
    /// A write free of order (no predecessors, nobody's predecessor): it is only placed right
    /// before a step that needs its value, and a required one left over goes at the end. Exact:
    /// a free write that nothing reads before it is overwritten can move to the end.
    pub lazy: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum Order {
    /// Per step, its invoke and complete (`u64::MAX`: never). Steps sorted by invoke.
    RealTime { invoke_us: Vec<u64>, complete_us: Vec<u64> },
    /// Per step, the steps that must go before it.
    Preds(Vec<Vec<u32>>),
}

/// A relaxed write: register `reg` may become `val` at any point (in real time: any point after
/// `after_us`), any number of times. Stands for writes left out of a witness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Jump {
    pub reg: u32,
    pub val: Val,
    pub after_us: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub steps: Vec<Step>,
    pub order: Order,
    pub jumps: Vec<Jump>,
    pub regs: usize,
}

impl Problem {
    /// What building its search passes over: each step and each value a step wants.
    pub fn size(&self) -> u64 {
        self.steps.iter().map(|s| 1 + wanted_by(s).len() as u64).sum()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// An order that works (step indices).
    Order(Vec<u32>),
    /// Every order was tried.
    Impossible { states: u64 },
    /// Gave up after this many tries.
    Budget { tries: u64 },
}

impl Found {
    pub fn is_order(&self) -> bool {
        matches!(self, Found::Order(_))
    }

    pub fn impossible(&self) -> bool {
        matches!(self, Found::Impossible { .. })
    }
}

/// The register's rule: the values after `s` (on `s`'s register), if the step may go now.
fn apply(act: &Act, cur: Val) -> Option<Val> {
    match act {
        Act::Read(vs) => vs.contains(&cur).then_some(cur),
        Act::Write(v) => Some(*v),
        Act::Cas(e, n) => (*e == cur).then_some(*n),
        Act::CasFail(e) => (*e != cur).then_some(cur),
    }
}

/// The earliest completion among steps not placed (real time's horizon).
fn horizon_us(p: &Problem, bits: &[u64]) -> u64 {
    match &p.order {
        Order::RealTime { complete_us, .. } => {
            (0..p.steps.len()).filter(|i| !bit(bits, *i)).map(|i| complete_us[i]).min().unwrap_or(u64::MAX)
        }
        Order::Preds(_) => u64::MAX,
    }
}

fn bit(bits: &[u64], i: usize) -> bool {
    bits[i / 64] >> (i % 64) & 1 == 1
}

fn flip(bits: &mut [u64], i: usize) {
    bits[i / 64] ^= 1 << (i % 64);
}

/// Steps that could go now (predecessors placed, or within real time's horizon).
fn ready(p: &Problem, bits: &[u64], horizon_us: u64, c: usize) -> bool {
    match &p.order {
        Order::RealTime { invoke_us, .. } => invoke_us[c] <= horizon_us,
        Order::Preds(preds) => preds[c].iter().all(|q| bit(bits, *q as usize)),
    }
}

/// The ready steps that are not lazy: what a lazy write or a jump may serve.
fn demand(p: &Problem, bits: &[u64], horizon_us: u64) -> Vec<u32> {
    let mut out = vec![];
    for c in 0..p.steps.len() {
        if let Order::RealTime { invoke_us, .. } = &p.order {
            if invoke_us[c] > horizon_us {
                break;
            }
        }
        if !bit(bits, c) && !p.steps[c].lazy && ready(p, bits, horizon_us, c) {
            out.push(c as u32);
        }
    }
    out
}

fn pack(reg: u32, v: Val) -> u128 {
    u128::from(reg) << 32 | u128::from(v)
}

/// What the demanding steps want, per register: one of these values, or anything but these.
#[derive(Default)]
struct Wants {
    /// (register, value) packed as `register << 32 | value`, sorted.
    values: Vec<u128>,
    /// (register, value) a failed cas expects: any other value serves it.
    not: Vec<(u32, Val)>,
}

impl Wants {
    fn of(p: &Problem, demand: &[u32]) -> Wants {
        let mut w = Wants::default();
        for d in demand {
            let s = &p.steps[*d as usize];
            match &s.act {
                Act::Read(vs) => w.values.extend(vs.iter().map(|v| pack(s.reg, *v))),
                Act::Cas(e, _) => w.values.push(pack(s.reg, *e)),
                Act::CasFail(e) => w.not.push((s.reg, *e)),
                Act::Write(_) => {}
            }
        }
        crate::order::sort_keys(&mut w.values);
        w.values.dedup();
        w.not.dedup();
        w
    }

    /// Whether some demanding step wants register `reg` to hold `v` just before it goes.
    fn wanted(&self, reg: u32, v: Val) -> bool {
        self.values.binary_search(&pack(reg, v)).is_ok() || self.not.iter().any(|(r, e)| *r == reg && *e != v)
    }
}

/// The next candidate at or after `from`: step indices first, then `steps.len() + jump`. A
/// lazy step or jump only right after a step that was neither, and only if it is wanted.
fn next_candidate(p: &Problem, bits: &[u64], at: &Node, from: usize) -> Option<usize> {
    let n = p.steps.len();
    for c in from..n {
        if bit(bits, c) {
            continue;
        }
        if let Order::RealTime { invoke_us, .. } = &p.order {
            if invoke_us[c] > at.horizon_us {
                break; // sorted by invoke: nothing later is ready either
            }
        }
        let s = &p.steps[c];
        if s.lazy && (at.after_lazy || !at.wants.wanted(s.reg, apply_write(&s.act))) {
            continue;
        }
        if ready(p, bits, at.horizon_us, c) {
            return Some(c);
        }
    }
    if at.after_lazy {
        return None;
    }
    (from.max(n)..n + p.jumps.len()).find(|c| {
        let j = p.jumps[c - n];
        j.after_us < at.horizon_us && at.wants.wanted(j.reg, j.val)
    })
}

fn apply_write(act: &Act) -> Val {
    match act {
        Act::Write(v) | Act::Cas(_, v) => *v,
        _ => 0,
    }
}

/// What the candidates depend on, recomputed when the placed set changes.
struct Node {
    horizon_us: u64,
    wants: Wants,
    /// The last thing placed was a lazy write or a jump.
    after_lazy: bool,
}

impl Node {
    fn new(p: &Problem, bits: &[u64], after_lazy: bool) -> Node {
        let horizon_us = horizon_us(p, bits);
        Node { horizon_us, wants: Wants::of(p, &demand(p, bits, horizon_us)), after_lazy }
    }
}

/// The candidates of the current configuration. With real time (or a failed compare-and-set,
/// whose wants are "anything but"), [`Node`] recomputed at every move, a pass over the steps;
/// with explicit predecessors, [`Ready`] kept up to date at each move instead, so a try costs
/// what the move changes, not the length of the history. Both give the same candidates in the
/// same order.
enum Frontier {
    Scan(Node),
    Ready(Box<Ready>),
}

impl Frontier {
    fn new(p: &Problem, bits: &[u64], scan: bool) -> Frontier {
        let cas_fail = p.steps.iter().any(|s| matches!(s.act, Act::CasFail(_)));
        match &p.order {
            Order::Preds(preds) if !cas_fail && !scan => Frontier::Ready(Box::new(Ready::new(p, preds, None))),
            Order::RealTime { invoke_us, complete_us }
                if !cas_fail && !scan && invoke_us.windows(2).all(|w| w[0] <= w[1]) =>
            {
                let none = vec![Vec::new(); p.steps.len()];
                let real = RealTime::new(invoke_us, complete_us);
                Frontier::Ready(Box::new(Ready::new(p, &none, Some(real))))
            }
            _ => Frontier::Scan(Node::new(p, bits, false)),
        }
    }

    /// Candidate `c` was placed (`placed`) or taken back; `after_lazy` as in [`Node`].
    fn moved(&mut self, p: &Problem, bits: &[u64], c: usize, placed: bool, after_lazy: bool) {
        match self {
            Frontier::Scan(node) => *node = Node::new(p, bits, after_lazy),
            Frontier::Ready(r) => {
                if c < p.steps.len() {
                    if placed {
                        r.place(p, c);
                    } else {
                        r.unplace(p, c);
                    }
                }
                r.after_lazy = after_lazy;
            }
        }
    }

    fn next(&self, p: &Problem, bits: &[u64], from: usize) -> Option<usize> {
        match self {
            Frontier::Scan(node) => next_candidate(p, bits, node, from),
            Frontier::Ready(r) => r.next(p, from),
        }
    }
}

/// Real time's horizon kept up to date: the earliest completion among the steps not placed
/// (a segment tree of minima, placed steps at `u64::MAX`), and how many steps (sorted by invoke)
/// were invoked by then: those are the ready ones.
struct RealTime {
    invoke_us: Vec<u64>,
    complete_us: Vec<u64>,
    mins: Vec<u64>,
    leaves: usize,
    ready_to: usize,
}

impl RealTime {
    fn new(invoke_us: &[u64], complete_us: &[u64]) -> RealTime {
        let leaves = complete_us.len().next_power_of_two();
        let mut mins = vec![u64::MAX; 2 * leaves];
        mins[leaves..leaves + complete_us.len()].copy_from_slice(complete_us);
        for i in (1..leaves).rev() {
            mins[i] = mins[2 * i].min(mins[2 * i + 1]);
        }
        let mut r =
            RealTime { invoke_us: invoke_us.to_vec(), complete_us: complete_us.to_vec(), mins, leaves, ready_to: 0 };
        r.ready_to = r.invoked_by_horizon();
        r
    }

    fn horizon_us(&self) -> u64 {
        self.mins[1]
    }

    fn invoked_by_horizon(&self) -> usize {
        let h = self.horizon_us();
        self.invoke_us.partition_point(|i| *i <= h)
    }

    /// Step `c` is placed (or taken back): the horizon moves; returns the new count of ready
    /// steps.
    fn moved(&mut self, c: usize, placed: bool) -> usize {
        let mut i = self.leaves + c;
        self.mins[i] = if placed { u64::MAX } else { self.complete_us[c] };
        while i > 1 {
            i /= 2;
            self.mins[i] = self.mins[2 * i].min(self.mins[2 * i + 1]);
        }
        self.invoked_by_horizon()
    }
}

/// The candidates kept incrementally: which steps are ready (predecessors placed, or within real
/// time's horizon), and what the ready non-lazy steps (the demand) want.
struct Ready {
    /// Per step, the steps it is a predecessor of.
    succ: Vec<Vec<u32>>,
    /// Per step, how many of its predecessors are not placed.
    waiting: Vec<u32>,
    placed: Vec<bool>,
    /// The demand: non-lazy steps not placed whose predecessors all are.
    demand: Vec<u64>,
    /// Lazy steps not placed whose predecessors all are and whose value the demand wants.
    lazy: Vec<u64>,
    /// Every (register, value) a step may want, packed and sorted; per entry, how many demanding
    /// steps want it, and the lazy steps that write it.
    universe: Vec<u128>,
    wants: Vec<u32>,
    writers: Vec<Vec<u32>>,
    /// Per step, its write's entry in `universe` (lazy steps only).
    writes: Vec<Option<u32>>,
    /// Per step, the entries it wants: `want_at[c]..want_at[c + 1]` in `want_of`.
    want_of: Vec<u32>,
    want_at: Vec<u32>,
    after_lazy: bool,
    real: Option<RealTime>,
}

/// What step `s` wants before it goes (as in [`Wants::of`]).
fn wanted_by(s: &Step) -> &[Val] {
    match &s.act {
        Act::Read(vs) => vs,
        Act::Cas(e, _) => std::slice::from_ref(e),
        Act::Write(_) | Act::CasFail(_) => &[],
    }
}

impl Ready {
    fn new(p: &Problem, preds: &[Vec<u32>], real: Option<RealTime>) -> Ready {
        let n = p.steps.len();
        let mut succ = vec![Vec::new(); n];
        for (c, ps) in preds.iter().enumerate() {
            for q in ps {
                succ[*q as usize].push(c as u32);
            }
        }
        let mut universe: Vec<u128> =
            p.steps.iter().flat_map(|s| wanted_by(s).iter().map(move |v| pack(s.reg, *v))).collect();
        crate::order::sort_keys(&mut universe);
        universe.dedup();
        let mut writers = vec![Vec::new(); universe.len()];
        let mut writes = vec![None; n];
        for (c, s) in p.steps.iter().enumerate().filter(|(_, s)| s.lazy) {
            if let Ok(i) = universe.binary_search(&pack(s.reg, apply_write(&s.act))) {
                writers[i].push(c as u32);
                writes[c] = Some(i as u32);
            }
        }
        let (mut want_of, mut want_at) = (vec![], vec![0u32]);
        for s in &p.steps {
            want_of.extend(
                wanted_by(s)
                    .iter()
                    .map(|v| universe.binary_search(&pack(s.reg, *v)).expect("every want is in the universe") as u32),
            );
            want_at.push(want_of.len() as u32);
        }
        let words = n.div_ceil(64).max(1);
        let mut r = Ready {
            want_of,
            want_at,
            succ,
            waiting: preds.iter().map(|ps| ps.len() as u32).collect(),
            placed: vec![false; n],
            demand: vec![0; words],
            lazy: vec![0; words],
            wants: vec![0; universe.len()],
            universe,
            writers,
            writes,
            after_lazy: false,
            real,
        };
        for c in 0..n {
            if r.ready(c) {
                r.becomes_ready(p, c);
            }
        }
        r
    }

    /// Are step `c`'s predecessors placed (with real time: was it invoked by the horizon)?
    fn ready(&self, c: usize) -> bool {
        self.waiting[c] == 0 && self.real.as_ref().is_none_or(|r| c < r.ready_to)
    }

    fn entry(&self, reg: u32, v: Val) -> Option<usize> {
        self.universe.binary_search(&pack(reg, v)).ok()
    }

    /// Step `c`, not placed, has every predecessor placed.
    fn becomes_ready(&mut self, p: &Problem, c: usize) {
        let s = &p.steps[c];
        if s.lazy {
            if self.writes[c].is_some_and(|i| self.wants[i as usize] > 0) {
                set(&mut self.lazy, c, true);
            }
            return;
        }
        set(&mut self.demand, c, true);
        for k in self.want_at[c]..self.want_at[c + 1] {
            let i = self.want_of[k as usize] as usize;
            self.wants[i] += 1;
            if self.wants[i] == 1 {
                self.mark_writers(i, true);
            }
        }
    }

    /// Step `c` stops being ready (it is placed, or a predecessor is taken back).
    fn stops_ready(&mut self, p: &Problem, c: usize) {
        let s = &p.steps[c];
        if s.lazy {
            set(&mut self.lazy, c, false);
            return;
        }
        set(&mut self.demand, c, false);
        for k in self.want_at[c]..self.want_at[c + 1] {
            let i = self.want_of[k as usize] as usize;
            self.wants[i] -= 1;
            if self.wants[i] == 0 {
                self.mark_writers(i, false);
            }
        }
    }

    /// The demand starts (or stops) wanting entry `i`: its ready lazy writers follow.
    fn mark_writers(&mut self, i: usize, on: bool) {
        for k in 0..self.writers[i].len() {
            let w = self.writers[i][k] as usize;
            if !on || (!self.placed[w] && self.ready(w)) {
                set(&mut self.lazy, w, on);
            }
        }
    }

    fn place(&mut self, p: &Problem, c: usize) {
        self.stops_ready(p, c);
        self.placed[c] = true;
        for k in 0..self.succ[c].len() {
            let s = self.succ[c][k] as usize;
            self.waiting[s] -= 1;
            if self.waiting[s] == 0 && !self.placed[s] {
                self.becomes_ready(p, s);
            }
        }
        if let Some(r) = &mut self.real {
            let (was, now) = (r.ready_to, r.moved(c, true));
            r.ready_to = now;
            for s in was..now {
                if !self.placed[s] {
                    self.becomes_ready(p, s);
                }
            }
        }
    }

    fn unplace(&mut self, p: &Problem, c: usize) {
        for k in 0..self.succ[c].len() {
            let s = self.succ[c][k] as usize;
            if self.waiting[s] == 0 && !self.placed[s] {
                self.stops_ready(p, s);
            }
            self.waiting[s] += 1;
        }
        if let Some(r) = &mut self.real {
            let (was, now) = (r.ready_to, r.moved(c, false));
            r.ready_to = now;
            for s in now..was {
                if !self.placed[s] {
                    self.stops_ready(p, s);
                }
            }
        }
        self.placed[c] = false;
        if self.ready(c) {
            self.becomes_ready(p, c);
        }
    }

    /// As [`next_candidate`]: the first ready step at or after `from` (a lazy one only if wanted
    /// and not right after a lazy one), then the wanted jumps.
    fn next(&self, p: &Problem, from: usize) -> Option<usize> {
        let n = p.steps.len();
        let words = self.demand.len();
        let mut w = from / 64;
        while from < n && w < words {
            let mut x = self.demand[w] | if self.after_lazy { 0 } else { self.lazy[w] };
            if w == from / 64 {
                x &= u64::MAX << (from % 64);
            }
            if x != 0 {
                let c = w * 64 + x.trailing_zeros() as usize;
                return (c < n).then_some(c);
            }
            w += 1;
        }
        if self.after_lazy {
            return None;
        }
        let horizon_us = self.real.as_ref().map_or(u64::MAX, |r| r.horizon_us());
        (from.max(n)..n + p.jumps.len()).find(|c| {
            let j = p.jumps[c - n];
            j.after_us < horizon_us && self.entry(j.reg, j.val).is_some_and(|i| self.wants[i] > 0)
        })
    }
}

fn set(bits: &mut [u64], i: usize, on: bool) {
    if on {
        bits[i / 64] |= 1 << (i % 64);
    } else {
        bits[i / 64] &= !(1 << (i % 64));
    }
}

/// Histories up to this long get the whole budget in tries; longer ones proportionally fewer.
const WORK_STEPS_PER_TRY: u64 = 256;

/// Searches for an order, trying at most `budget` steps.
pub(crate) fn solve(p: &Problem, budget: u64) -> Found {
    solve_counted(p, budget).0
}

/// The work all of one run's session searches may do together: the size of each problem built
/// (its steps and the values they want, which building its search passes over) and its tries. Each search has its own
/// budget, but one runs per key, client, guarantee and reader, so without a limit for the whole
/// run the cost grows with keys × clients² × operations (48 keys × 4,096 operations from 64
/// clients took 80 s). Searches are made in a fixed order (keys, then guarantees, then clients),
/// so which ones the limit leaves unknown is the same every run.
/// What a step of making a problem counts against the run's meter, in tries. Measured: 64
/// clients' sibling reads of 24 keys (README, "Caps") spent 1.8–2.4 s on session searches at
/// weight 1 and 1.0–1.3 s at 4, with every Jepsen history's verdicts the same (a test checks).
const BUILD_WEIGHT: u64 = 4;

pub(crate) struct Meter {
    left: std::cell::Cell<u64>,
    total: u64,
}

impl Meter {
    pub fn new(total: u64) -> Meter {
        Meter { left: std::cell::Cell::new(total), total }
    }

    /// No search may start: the run's work is spent.
    pub fn spent(&self) -> bool {
        self.left.get() == 0
    }

    pub fn charge(&self, steps: u64) {
        self.left.set(self.left.get().saturating_sub(steps));
    }

    /// Why a search that did not start is unknown.
    pub fn why(&self) -> String {
        format!(
            "not searched: the session searches before this one had used up the limit one run shares ({} steps of work)",
            crate::num::grouped(self.total)
        )
    }

    /// [`solve_counted`], charged to the meter with `built`, what making `p` passed over. Each
    /// step of making and sizing a problem counts `BUILD_WEIGHT` (see there).
    pub fn solve(&self, p: &Problem, built: u64, budget: u64) -> Found {
        let (found, tries) = solve_counted(p, budget);
        self.charge(BUILD_WEIGHT * (built + p.size()) + tries);
        found
    }
}

/// A budget shared by many searches (cutting a witness down): each takes at most `each`, and
/// none starts once `left` is spent, which then counts as "could not tell".
pub(crate) struct Shared {
    pub left: u64,
    pub each: u64,
}

impl Shared {
    /// Whether `p` is certainly impossible.
    pub fn impossible(&mut self, p: &Problem) -> bool {
        if self.left == 0 {
            return false;
        }
        let (found, tries) = solve_counted(p, self.each.min(self.left));
        self.left -= tries.min(self.left);
        found.impossible()
    }
}

/// [`solve`], also saying how many tries it used.
pub(crate) fn solve_counted(p: &Problem, budget: u64) -> (Found, u64) {
    search(p, budget, false)
}

/// The search; `scan`: recompute the candidates at every move (the definition) even where they
/// can be kept up to date.
fn search(p: &Problem, budget: u64, scan: bool) -> (Found, u64) {
    let n = p.steps.len();
    // Each try costs a pass over the steps (`Node::new`), so the budget bounds the work, not the
    // tries: a long history gets fewer tries (1,883 concurrent puts of one key took 15 s).
    let budget = budget / (1 + n as u64 / WORK_STEPS_PER_TRY);
    let mut bits = vec![0u64; n.div_ceil(64).max(1)];
    let mut regs: Vec<Val> = vec![0; p.regs];
    let mut seen = StateSet::new(bits.len() + regs.len() + 1);
    seen.insert(&bits, &regs, false);
    let mut left = p.steps.iter().filter(|s| s.required && !s.lazy).count();
    // (candidate, its register's value before)
    let mut stack: Vec<(usize, Val)> = vec![];
    let (mut from, mut tries) = (0usize, 0u64);
    let mut at = Frontier::new(p, &bits, scan);
    let is_lazy = |c: usize| c >= n || p.steps[c].lazy;
    loop {
        if left == 0 {
            return (Found::Order(stack.iter().filter(|(c, _)| *c < n).map(|(c, _)| *c as u32).collect()), tries);
        }
        let Some(c) = at.next(p, &bits, from) else {
            let Some((c, before)) = stack.pop() else { return (Found::Impossible { states: seen.len as u64 }, tries) };
            let reg = undo(p, &mut bits, &mut left, c);
            regs[reg] = before;
            at.moved(p, &bits, c, false, stack.last().is_some_and(|(c, _)| is_lazy(*c)));
            from = c + 1;
            continue;
        };
        tries += 1;
        if tries > budget {
            return (Found::Budget { tries: budget }, budget);
        }
        from = c + 1;
        let (reg, after) = if c < n {
            let s = &p.steps[c];
            (s.reg as usize, apply(&s.act, regs[s.reg as usize]))
        } else {
            let j = p.jumps[c - n];
            (j.reg as usize, (regs[j.reg as usize] != j.val).then_some(j.val))
        };
        let Some(after) = after else { continue };
        let before = regs[reg];
        regs[reg] = after;
        if c < n {
            flip(&mut bits, c);
        }
        if seen.insert(&bits, &regs, is_lazy(c)) {
            stack.push((c, before));
            left -= usize::from(c < n && p.steps[c].required && !p.steps[c].lazy);
            at.moved(p, &bits, c, true, is_lazy(c));
            from = 0;
        } else {
            regs[reg] = before;
            if c < n {
                flip(&mut bits, c);
            }
        }
    }
}

/// Takes candidate `c` back off the order; returns its register.
fn undo(p: &Problem, bits: &mut [u64], left: &mut usize, c: usize) -> usize {
    let n = p.steps.len();
    if c >= n {
        return p.jumps[c - n].reg as usize;
    }
    flip(bits, c);
    *left += usize::from(p.steps[c].required && !p.steps[c].lazy);
    p.steps[c].reg as usize
}

/// Configurations seen: open addressing over an arena of fixed-size records. Only membership is
/// asked, so nothing depends on the table's order.
struct StateSet {
    stride: usize,
    arena: Vec<u64>,
    table: Vec<u32>,
    len: usize,
}

impl StateSet {
    fn new(stride: usize) -> StateSet {
        StateSet { stride, arena: vec![], table: vec![0; 1024], len: 0 }
    }

    fn record(bits: &[u64], regs: &[Val], after_lazy: bool, out: &mut Vec<u64>) {
        out.extend_from_slice(bits);
        out.extend(regs.iter().map(|r| u64::from(*r)));
        out.push(u64::from(after_lazy));
    }

    fn hash(rec: &[u64]) -> u64 {
        let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
        for w in rec {
            h = (h ^ w).wrapping_mul(0xFF51_AFD7_ED55_8CCD).rotate_left(29);
        }
        h ^ (h >> 32)
    }

    /// True if it was not there.
    fn insert(&mut self, bits: &[u64], regs: &[Val], after_lazy: bool) -> bool {
        if (self.len + 1) * 2 > self.table.len() {
            self.grow();
        }
        let start = self.arena.len();
        Self::record(bits, regs, after_lazy, &mut self.arena);
        let rec_hash = Self::hash(&self.arena[start..]);
        let mask = self.table.len() - 1;
        let mut slot = rec_hash as usize & mask;
        loop {
            let e = self.table[slot] as usize;
            if e == 0 {
                self.len += 1;
                self.table[slot] = self.len as u32;
                return true;
            }
            let at = (e - 1) * self.stride;
            if self.arena[at..at + self.stride] == self.arena[start..] {
                self.arena.truncate(start);
                return false;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = self.table.len() * 2;
        self.table = vec![0; size];
        for i in 0..self.len {
            let rec = &self.arena[i * self.stride..(i + 1) * self.stride];
            let mut slot = Self::hash(rec) as usize & (size - 1);
            while self.table[slot] != 0 {
                slot = (slot + 1) & (size - 1);
            }
            self.table[slot] = i as u32 + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded problems with explicit predecessors: reads of one or several values, writes, lazy
    /// writes (some chained as twins), optional steps and jumps, over one or two registers.
    fn problem(seed: u64) -> Problem {
        let mut next = crate::testruns::below(seed);
        let (n, regs, vals) = (2 + next(40) as usize, 1 + next(2) as u32, 1 + next(5) as u32);
        let mut steps = vec![];
        let mut preds: Vec<Vec<u32>> = vec![];
        for c in 0..n {
            let reg = next(u64::from(regs)) as u32;
            let lazy = next(3) == 0;
            let act = if lazy || next(2) == 0 {
                Act::Write(next(u64::from(vals) + 1) as u32)
            } else if next(4) == 0 {
                Act::Cas(next(u64::from(vals) + 1) as u32, next(u64::from(vals) + 1) as u32)
            } else {
                Act::Read((0..1 + next(3)).map(|_| next(u64::from(vals) + 1) as u32).collect())
            };
            let required = next(5) != 0;
            let mine: Vec<u32> = if lazy {
                (0..c)
                    .rev()
                    .find(|t| steps.get(*t).is_some_and(|s: &Step| s.lazy && s.reg == reg && s.act == act))
                    .map(|t| t as u32)
                    .into_iter()
                    .collect()
            } else {
                (0..c as u32).filter(|t| !steps[*t as usize].lazy && next(6) == 0).collect()
            };
            steps.push(Step { act, reg, required, op: c as u32, lazy });
            preds.push(mine);
        }
        let real = next(2) == 0;
        let jumps = (0..next(3))
            .map(|_| Jump {
                reg: next(u64::from(regs)) as u32,
                val: next(u64::from(vals) + 1) as u32,
                after_us: if real { next(30) } else { 0 },
            })
            .collect();
        let order = if real {
            // Invokes in order; a step never completed (indeterminate) is optional.
            let mut t = 0;
            let invoke_us: Vec<u64> = (0..n)
                .map(|_| {
                    t += next(4);
                    t
                })
                .collect();
            let complete_us =
                (0..n).map(|c| if steps[c].required { invoke_us[c] + 1 + next(10) } else { u64::MAX }).collect();
            Order::RealTime { invoke_us, complete_us }
        } else {
            Order::Preds(preds)
        };
        Problem { steps, order, jumps, regs: regs as usize }
    }

    #[test]
    fn kept_candidates_search_exactly_as_recomputed_ones() {
        let (mut outcomes, mut real) = ([0; 3], 0);
        for seed in 0..1_000 {
            let p = problem(seed);
            real += usize::from(matches!(p.order, Order::RealTime { .. }));
            for budget in [5, 60, 5_000] {
                let kept = search(&p, budget, false);
                assert_eq!(kept, search(&p, budget, true), "seed {seed}, budget {budget}: {p:?}");
                outcomes[match kept.0 {
                    Found::Order(_) => 0,
                    Found::Impossible { .. } => 1,
                    Found::Budget { .. } => 2,
                }] += 1;
            }
        }
        assert!(outcomes.iter().all(|k| *k > 150), "orders, impossible, out of budget: {outcomes:?}");
        assert!(real > 300 && real < 700, "{real} of the problems in real time");
    }
}
