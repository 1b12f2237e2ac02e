//! Drills: simulated chats with a scripted customer, and how they are scored.
//!
//! A drill is a ```` ```drill ```` block in a lesson. Its TOML names the steps of the
//! customer's script (`[[step]]`: what the customer says, and which step follows which
//! [`Signal`]) and the scoring rules (`[[rule]]`: a signal to `do` or to `avoid`, points, an
//! explanation shown when the trainee gets it wrong, and whether a mistake fails the drill
//! outright).
//!
//! The trainee acts through the normal console ([`Action`]); a [`Detector`] turns each action
//! into signals (asking for a card in chat, echoing personal data, sharing a code…), and a
//! [`Run`] advances the script and keeps what was seen for [`Run::score`].

mod detect;
mod run;

pub use detect::Detector;
pub use run::{DrillScore, Expect, Mistake, Run, Turn};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::issue::{Issue, Located, Problem};

/// What the trainee did, as the console reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Sent a chat message (the text is analysed, never stored by this crate beyond the run).
    SendMessage(String),
    /// Sent the customer a secure form.
    RequestSecureForm,
    /// Revealed a masked value.
    Reveal,
    /// Copied the customer's data out of the conversation.
    Copy,
    /// Reported the conversation as a security incident or attempt.
    Report,
    /// Transferred the conversation to a supervisor.
    Escalate,
    /// Declined the request with the console's refusal reply.
    Refuse,
}

/// Something the trainee did that a drill branches on or scores. Names as written in packs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Signal {
    /// Sent a secure form.
    UsedSecureForm,
    /// Declined to give out data or a code (the refusal reply, or a refusal in their words).
    RefusedDisclosure,
    /// Revealed a masked value, or typed a value the drill marks as secret.
    RevealedData,
    /// Copied the customer's data.
    CopiedData,
    /// Reported the attempt.
    ReportedAttempt,
    /// Transferred to a supervisor.
    Escalated,
    /// Asked for card details in the chat itself.
    AskedCardInChat,
    /// Repeated personal data in a message (a card number, an ID, the customer's own values).
    EchoedData,
    /// Typed something that looks like a one-time code (six to eight digits).
    SharedCode,
}

impl Signal {
    /// The name used in packs.
    pub const fn name(self) -> &'static str {
        match self {
            Signal::UsedSecureForm => "used_secure_form",
            Signal::RefusedDisclosure => "refused_disclosure",
            Signal::RevealedData => "revealed_data",
            Signal::CopiedData => "copied_data",
            Signal::ReportedAttempt => "reported_attempt",
            Signal::Escalated => "escalated",
            Signal::AskedCardInChat => "asked_card_in_chat",
            Signal::EchoedData => "echoed_data",
            Signal::SharedCode => "shared_code",
        }
    }
}

/// A drill as defined in a pack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drill {
    /// Unique within the pack for a language; translations share it.
    pub id: String,
    /// Shown above the simulated chat.
    pub title: String,
    /// What the trainee is told before starting, plain text.
    pub briefing: String,
    /// The simulated customer's display name.
    pub customer: String,
    /// Values the simulated console shows the trainee (a record, a code) that must never be
    /// typed into the chat.
    pub secrets: Vec<String>,
    /// The script.
    pub steps: Vec<Step>,
    /// Index of the first step.
    pub start: usize,
    /// How the drill is scored.
    pub rules: Vec<Rule>,
}

/// One step of the customer's script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The step's name in the script.
    pub id: String,
    /// What the customer says on arriving at this step (may be empty).
    pub says: String,
    /// Branches, tried in order: the first whose signal the trainee's action produced wins.
    pub next: Vec<Branch>,
    /// Where a visible action (a message, a form) that matches no branch leads.
    pub otherwise: Option<usize>,
    /// Whether arriving here ends the conversation.
    pub end: bool,
}

/// A branch of the script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Branch {
    /// The signal that takes this branch.
    pub when: Signal,
    /// Index of the step it leads to.
    pub goto: usize,
}

/// A scoring rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Whether the trainee should do this or avoid it.
    pub expect: Expect,
    /// The signal.
    pub signal: Signal,
    /// Points for getting it right (at least 1).
    pub points: u32,
    /// Shown when the trainee gets it wrong.
    pub explain: String,
    /// Whether getting it wrong fails the drill whatever the points.
    pub critical: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrill {
    id: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    briefing: String,
    customer: Option<String>,
    #[serde(default)]
    secrets: Vec<String>,
    start: Option<Spanned<String>>,
    #[serde(default)]
    step: Vec<RawStep>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    #[serde(default)]
    says: String,
    #[serde(default)]
    next: Vec<RawBranch>,
    otherwise: Option<Spanned<String>>,
    #[serde(default)]
    end: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBranch {
    when: Signal,
    goto: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(rename = "do")]
    want: Option<Signal>,
    avoid: Option<Signal>,
    points: Option<Spanned<u32>>,
    explain: Spanned<String>,
    #[serde(default)]
    critical: bool,
}

/// Parses and validates one ```` ```drill ```` block. `default_customer` names the customer
/// when the block does not.
pub(crate) fn parse(block: Located<'_>, default_customer: &str) -> Result<Drill, Vec<Issue>> {
    let raw: RawDrill = block.parse_toml().map_err(|i| vec![i])?;
    let mut issues = Vec::new();
    for (field, value) in [("id", &raw.id), ("title", &raw.title)] {
        if value.get_ref().trim().is_empty() {
            let problem = Problem::Empty {
                field: field.to_owned(),
            };
            issues.push(block.issue(value.span().start, problem));
        }
    }
    let mut ids: Vec<&str> = Vec::with_capacity(raw.step.len());
    for step in &raw.step {
        let id = step.id.get_ref().as_str();
        if ids.contains(&id) {
            let problem = Problem::DuplicateStep {
                step: id.to_owned(),
            };
            issues.push(block.issue(step.id.span().start, problem));
        }
        ids.push(id);
    }
    let resolve = |name: &Spanned<String>, issues: &mut Vec<Issue>| -> usize {
        ids.iter()
            .position(|s| *s == name.get_ref().as_str())
            .unwrap_or_else(|| {
                let problem = Problem::UnknownStep {
                    step: name.get_ref().clone(),
                };
                issues.push(block.issue(name.span().start, problem));
                0
            })
    };
    if raw.step.is_empty() {
        issues.push(block.issue(
            0,
            Problem::MissingField {
                field: "step".into(),
            },
        ));
    } else if !raw.step.iter().any(|s| s.end) {
        issues.push(block.issue(0, Problem::NoEndStep));
    }
    let start = raw.start.as_ref().map_or(0, |s| resolve(s, &mut issues));
    let steps: Vec<Step> = raw
        .step
        .iter()
        .map(|s| Step {
            id: s.id.get_ref().clone(),
            says: s.says.trim().to_owned(),
            next: s
                .next
                .iter()
                .map(|b| Branch {
                    when: b.when,
                    goto: resolve(&b.goto, &mut issues),
                })
                .collect(),
            otherwise: s.otherwise.as_ref().map(|o| resolve(o, &mut issues)),
            end: s.end,
        })
        .collect();
    if raw.rule.is_empty() {
        issues.push(block.issue(0, Problem::NoRules));
    }
    let mut rules = Vec::with_capacity(raw.rule.len());
    for spanned in &raw.rule {
        let r = spanned.get_ref();
        let (expect, signal) = match (r.want, r.avoid) {
            (Some(s), None) => (Expect::Do, s),
            (None, Some(s)) => (Expect::Avoid, s),
            _ => {
                issues.push(block.issue(spanned.span().start, Problem::RuleNeedsOneOf));
                continue;
            }
        };
        if r.explain.get_ref().trim().is_empty() {
            let problem = Problem::Empty {
                field: "explain".into(),
            };
            issues.push(block.issue(r.explain.span().start, problem));
        }
        let points = match &r.points {
            Some(p) if *p.get_ref() == 0 => {
                issues.push(block.issue(p.span().start, Problem::Zero { field: "points" }));
                0
            }
            Some(p) => *p.get_ref(),
            None => 1,
        };
        rules.push(Rule {
            expect,
            signal,
            points,
            explain: r.explain.get_ref().trim().to_owned(),
            critical: r.critical,
        });
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(Drill {
        id: raw.id.into_inner().trim().to_owned(),
        title: raw.title.into_inner().trim().to_owned(),
        briefing: raw.briefing.trim().to_owned(),
        customer: raw
            .customer
            .map_or_else(|| default_customer.to_owned(), |c| c.trim().to_owned()),
        secrets: raw
            .secrets
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect(),
        steps,
        start,
        rules,
    })
}
