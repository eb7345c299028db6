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

/// What the demanding steps want, per register: one of these values, or anything but these.
#[derive(Default)]
struct Wants {
    /// (register, value), sorted.
    values: Vec<(u32, Val)>,
    /// (register, value) a failed cas expects: any other value serves it.
    not: Vec<(u32, Val)>,
}

impl Wants {
    fn of(p: &Problem, demand: &[u32]) -> Wants {
        let mut w = Wants::default();
        for d in demand {
            let s = &p.steps[*d as usize];
            match &s.act {
                Act::Read(vs) => w.values.extend(vs.iter().map(|v| (s.reg, *v))),
                Act::Cas(e, _) => w.values.push((s.reg, *e)),
                Act::CasFail(e) => w.not.push((s.reg, *e)),
                Act::Write(_) => {}
            }
        }
        crate::order::sort_by_key(&mut w.values, |(r, v)| u128::from(*r) << 32 | u128::from(*v));
        w.values.dedup();
        w.not.dedup();
        w
    }

    /// Whether some demanding step wants register `reg` to hold `v` just before it goes.
    fn wanted(&self, reg: u32, v: Val) -> bool {
        self.values.binary_search(&(reg, v)).is_ok() || self.not.iter().any(|(r, e)| *r == reg && *e != v)
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

/// Histories up to this long get the whole budget in tries; longer ones proportionally fewer.
const WORK_STEPS_PER_TRY: u64 = 256;

/// Searches for an order, trying at most `budget` steps.
pub(crate) fn solve(p: &Problem, budget: u64) -> Found {
    solve_counted(p, budget).0
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
    let mut at = Node::new(p, &bits, false);
    let is_lazy = |c: usize| c >= n || p.steps[c].lazy;
    loop {
        if left == 0 {
            return (Found::Order(stack.iter().filter(|(c, _)| *c < n).map(|(c, _)| *c as u32).collect()), tries);
        }
        let Some(c) = next_candidate(p, &bits, &at, from) else {
            let Some((c, before)) = stack.pop() else { return (Found::Impossible { states: seen.len as u64 }, tries) };
            let reg = undo(p, &mut bits, &mut left, c);
            regs[reg] = before;
            at = Node::new(p, &bits, stack.last().is_some_and(|(c, _)| is_lazy(*c)));
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
            at = Node::new(p, &bits, is_lazy(c));
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
