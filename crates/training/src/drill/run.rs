//! One trainee's run through a drill: the script's position, what was seen, the score.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Action, Detector, Drill, Signal};

/// Whether a rule rewards doing something or avoiding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Expect {
    /// The trainee should do this at least once.
    Do,
    /// The trainee should never do this.
    Avoid,
}

/// What happened after one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Turn {
    /// The signals the action produced.
    pub signals: Vec<Signal>,
    /// What the customer says next, if the script moved to a step with something to say.
    pub customer: Option<String>,
    /// Whether the conversation has ended.
    pub finished: bool,
}

/// A run of a drill. Owns a copy of the drill so it can live in a session's state.
#[derive(Clone, Debug)]
pub struct Run {
    drill: Drill,
    step: usize,
    finished: bool,
    seen: BTreeSet<Signal>,
    customer_values: Vec<String>,
}

impl Run {
    /// Starts `drill` at its first step. The customer's opening line is [`Run::opening`].
    pub fn start(drill: &Drill, detector: &Detector) -> Self {
        let mut run = Self {
            drill: drill.clone(),
            step: drill.start,
            finished: false,
            seen: BTreeSet::new(),
            customer_values: Vec::new(),
        };
        run.arrive(drill.start, detector);
        run
    }

    /// What the customer says first.
    pub fn opening(&self) -> &str {
        self.drill
            .steps
            .get(self.drill.start)
            .map_or("", |s| s.says.as_str())
    }

    /// The drill being run.
    pub fn drill(&self) -> &Drill {
        &self.drill
    }

    /// Whether the conversation has reached an end step.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The id of the current step.
    pub fn step_id(&self) -> &str {
        self.drill
            .steps
            .get(self.step)
            .map_or("", |s| s.id.as_str())
    }

    /// Records `action` and advances the script: the first branch of the current step whose
    /// signal the action produced is taken; otherwise a message or a form (actions the
    /// customer sees) follows `otherwise`. After the end, actions still count for scoring.
    pub fn act(&mut self, detector: &Detector, action: &Action) -> Turn {
        let signals = detector.signals(action, &self.customer_values, &self.drill.secrets);
        self.seen.extend(signals.iter().copied());
        let mut turn = Turn {
            signals,
            customer: None,
            finished: self.finished,
        };
        if self.finished {
            return turn;
        }
        let Some(step) = self.drill.steps.get(self.step) else {
            return turn;
        };
        let visible = matches!(action, Action::SendMessage(_) | Action::RequestSecureForm);
        let target = step
            .next
            .iter()
            .find(|b| turn.signals.contains(&b.when))
            .map(|b| b.goto)
            .or(if visible { step.otherwise } else { None });
        if let Some(target) = target {
            self.arrive(target, detector);
            turn.customer = self
                .drill
                .steps
                .get(target)
                .map(|s| s.says.clone())
                .filter(|s| !s.is_empty());
            turn.finished = self.finished;
        }
        turn
    }

    fn arrive(&mut self, step: usize, detector: &Detector) {
        self.step = step;
        if let Some(s) = self.drill.steps.get(step) {
            // Remember the customer's own values, so repeating them back is "echoed data".
            self.customer_values.extend(detector.values(&s.says));
            self.finished = s.end;
        }
    }

    /// Scores the run so far against the drill's rules.
    pub fn score(&self) -> DrillScore {
        let mut earned = 0u32;
        let mut possible = 0u32;
        let mut mistakes = Vec::new();
        for rule in &self.drill.rules {
            possible = possible.saturating_add(rule.points);
            let did = self.seen.contains(&rule.signal);
            let right = match rule.expect {
                Expect::Do => did,
                Expect::Avoid => !did,
            };
            if right {
                earned = earned.saturating_add(rule.points);
            } else {
                mistakes.push(Mistake {
                    signal: rule.signal,
                    expect: rule.expect,
                    explain: rule.explain.clone(),
                    critical: rule.critical,
                });
            }
        }
        DrillScore {
            drill: self.drill.id.clone(),
            earned,
            possible,
            finished: self.finished,
            mistakes,
        }
    }
}

/// A rule the trainee got wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mistake {
    /// The signal of the rule.
    pub signal: Signal,
    /// Whether it should have been done or avoided.
    pub expect: Expect,
    /// The author's explanation.
    pub explain: String,
    /// Whether this mistake fails the drill on its own.
    pub critical: bool,
}

/// A drill's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DrillScore {
    /// The drill's id.
    pub drill: String,
    /// Points earned.
    pub earned: u32,
    /// Points available.
    pub possible: u32,
    /// Whether the conversation reached an end step.
    pub finished: bool,
    /// Every rule got wrong, in rule order, with its explanation.
    pub mistakes: Vec<Mistake>,
}

impl DrillScore {
    /// The score as a whole percentage, rounded down (100 when nothing is scored).
    pub fn percent(&self) -> u8 {
        if self.possible == 0 {
            return 100;
        }
        let p = u64::from(self.earned) * 100 / u64::from(self.possible);
        u8::try_from(p.min(100)).unwrap_or(100)
    }

    /// Whether the drill is passed: `pass_mark` percent reached (exactly, no rounding) and no
    /// critical mistake.
    pub fn meets(&self, pass_mark: u8) -> bool {
        u64::from(self.earned) * 100 >= u64::from(pass_mark) * u64::from(self.possible)
            && !self.mistakes.iter().any(|m| m.critical)
    }
}
