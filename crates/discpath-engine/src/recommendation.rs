//! The recommendation: the engine's output, and its JSON encoding (spec: "Output").
//!
//! [`Recommendation::write_json`] is the one encoder: field order and list order are fixed, so
//! the same input and knowledge base always give the same bytes. `Serialize` delegates to it.

use std::collections::BTreeMap;

use discpath_kb::{
    Certainty, Contraindication, ContraindicationClass, EncodingCache, Instrument, RedFlag,
    RuleMeta, Source, Text, TextList,
};
use discpath_model::Pathway;
use jiff::civil::Date;
use serde::{Serialize, Serializer};

use crate::inputs::Inputs;
use crate::json::{array, boolean, float, integer, object, raw, string};

/// The version of the contract recommendations are written in (spec/assessment.md).
pub const CONTRACT: u8 = 2;

/// A recommendation, borrowing its texts from the knowledge base.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation<'kb> {
    /// Which knowledge base decided.
    pub kb: KbInfo<'kb>,
    /// The decision.
    pub pathway: Pathway,
    /// The pathway rule that decided.
    pub decided_by: &'kb str,
    /// The certainty of the evidence behind that rule.
    pub certainty: Certainty,
    /// What to do next, when the deciding rule says.
    pub advice: Option<&'kb Text>,
    /// Every red flag present, whatever the pathway: the most urgent tier first, then in the
    /// knowledge base's order (the most specific flag of a tier first).
    pub red_flags: Vec<RedFlagFinding<'kb>>,
    /// Every contraindication present, whatever the pathway, sorted by id.
    pub contraindications: Vec<ContraindicationFinding<'kb>>,
    /// Exactly when the pathway is `decompression_then_pt`.
    pub decompression_candidate: bool,
    /// With a pathway that escalates, every option of the knowledge base with its status,
    /// sorted by id; otherwise empty.
    pub escalation_options: Vec<EscalationStatus<'kb>>,
    /// Scored instruments.
    pub scores: Scores<'kb>,
    /// Informational prediction rules of the pathway, by name.
    pub predictors: BTreeMap<&'kb str, PredictorResult>,
    /// The care plan (only for the pathways that start a course of care).
    pub care_plan: Option<CarePlanOutput<'kb>>,
    /// What the deciding step needed and did not have, plus `odi` when it cannot be scored.
    pub missing: Vec<&'kb str>,
    /// Each minimum screen with its unanswered items.
    pub screens: Vec<ScreenStatus<'kb>>,
    /// Every rule that fired, with its inputs, statement, sources and certainty.
    pub rationale: Vec<RationaleEntry<'kb>>,
    /// The evidence for what is recommended, highest certainty first, with its provenance.
    pub evidence: Vec<RationaleEntry<'kb>>,
    /// Every source the rationale and the evidence cite, in the knowledge base's order.
    pub sources: Vec<&'kb Source>,
    /// The instruments the document used: codes and copyright/licence notices.
    pub instruments: Vec<InstrumentUsed<'kb>>,
    /// Decision support, not a diagnosis.
    pub disclaimer: &'kb Text,
}

impl Recommendation<'_> {
    /// The recommendation as compact JSON.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 * 1024);
        self.write_json(&mut out);
        out
    }

    /// Appends the recommendation's JSON to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        raw(out, b"{\"kb\":");
        self.kb.write_json(out);
        raw(out, b",\"contract\":");
        integer(out, CONTRACT);
        raw(out, b",\"pathway\":");
        string(out, self.pathway.as_str());
        raw(out, b",\"decided_by\":");
        string(out, self.decided_by);
        raw(out, b",\"certainty\":");
        string(out, self.certainty.as_str());
        if let Some(advice) = self.advice {
            raw(out, b",\"advice\":");
            raw(out, advice.json());
        }
        raw(out, b",\"red_flags\":");
        array(out, &self.red_flags, |out, flag| raw(out, &flag.rule.json));
        raw(out, b",\"contraindications\":");
        array(out, &self.contraindications, |out, finding| raw(out, &finding.rule.json));
        raw(out, b",\"decompression_candidate\":");
        boolean(out, self.decompression_candidate);
        raw(out, b",\"escalation_options\":");
        array(out, &self.escalation_options, |out, option| option.write_json(out));
        raw(out, b",\"scores\":");
        self.scores.write_json(out);
        raw(out, b",\"predictors\":");
        object(out, &self.predictors, |out, result| {
            raw(out, b"{\"met\":");
            integer(out, result.met);
            raw(out, b",\"known\":");
            integer(out, result.known);
            raw(out, b",\"of\":");
            integer(out, result.of);
            raw(out, b"}");
        });
        raw(out, b",\"care_plan\":");
        match &self.care_plan {
            Some(plan) => plan.write_json(out),
            None => raw(out, b"null"),
        }
        raw(out, b",\"missing\":");
        array(out, &self.missing, |out, id| string(out, id));
        raw(out, b",\"screens\":");
        array(out, &self.screens, |out, screen| {
            raw(out, b"{\"id\":");
            string(out, screen.id);
            raw(out, b",\"unanswered\":");
            array(out, &screen.unanswered, |out, id| string(out, id));
            raw(out, b"}");
        });
        raw(out, b",\"rationale\":");
        array(out, &self.rationale, |out, entry| entry.write_json(out));
        raw(out, b",\"evidence\":");
        array(out, &self.evidence, |out, entry| entry.write_json(out));
        raw(out, b",\"sources\":");
        array(out, &self.sources, |out, source| raw(out, &source.json));
        raw(out, b",\"instruments\":");
        array(out, &self.instruments, |out, instrument| instrument.write_json(out));
        raw(out, b",\"disclaimer\":");
        raw(out, self.disclaimer.json());
        raw(out, b"}");
    }
}

impl Serialize for Recommendation<'_> {
    /// The JSON of [`Recommendation::write_json`], passed on as a raw value.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let json = String::from_utf8(self.to_json()).map_err(serde::ser::Error::custom)?;
        serde_json::value::RawValue::from_string(json)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

/// The knowledge base's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbInfo<'kb> {
    /// Name.
    pub name: &'kb str,
    /// Version.
    pub version: &'kb str,
    /// `sha256:` content hash.
    pub hash: &'kb str,
    /// Where the knowledge base keeps this object's JSON.
    pub(crate) encoded: &'kb EncodingCache,
}

impl KbInfo<'_> {
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        raw(
            out,
            self.encoded.get_or_write(|out| {
                raw(out, b"{\"name\":");
                string(out, self.name);
                raw(out, b",\"version\":");
                string(out, self.version);
                raw(out, b",\"hash\":");
                string(out, self.hash);
                raw(out, b"}");
            }),
        );
    }
}

/// A red flag that is present: `{id, tier, label, advice}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RedFlagFinding<'kb> {
    /// The flag.
    pub id: &'kb str,
    /// Its tier.
    pub tier: &'kb str,
    /// The rule that raised it (its label and advice).
    pub rule: &'kb RedFlag,
}

/// A contraindication that is present: `{id, therapy, class, label, advice?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContraindicationFinding<'kb> {
    /// The contraindication.
    pub id: &'kb str,
    /// The therapy it concerns.
    pub therapy: &'kb str,
    /// Absolute or relative.
    pub class: ContraindicationClass,
    /// The rule that found it (its label and advice).
    pub rule: &'kb Contraindication,
}

/// Whether an escalation option applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionStatus {
    /// Its condition holds and no exclusion fires; every exclusion was decided.
    Offered,
    /// An exclusion fires, or its condition does not hold.
    Excluded,
    /// Unanswered inputs leave its condition or an exclusion undecided.
    NeedsInformation,
}

impl OptionStatus {
    /// The contract's code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Excluded => "excluded",
            Self::NeedsInformation => "needs_information",
        }
    }
}

/// An escalation option with its status: `{id, label, status, rules?, unanswered?}` — `rules`
/// (the exclusions that fired, or the option's own rule when its condition does not hold) when
/// excluded, `unanswered` (the inputs to answer) when it needs information.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationStatus<'kb> {
    /// The option.
    pub id: &'kb str,
    /// Its plain label.
    pub label: &'kb Text,
    /// Offered, excluded or needs information.
    pub status: OptionStatus,
    /// Why it is excluded: rule ids.
    pub rules: Vec<&'kb str>,
    /// What it needs: the unanswered inputs, by path.
    pub unanswered: Vec<&'static str>,
}

impl EscalationStatus<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        raw(out, b"{\"id\":");
        string(out, self.id);
        raw(out, b",\"label\":");
        raw(out, self.label.json());
        raw(out, b",\"status\":");
        string(out, self.status.as_str());
        if !self.rules.is_empty() {
            raw(out, b",\"rules\":");
            array(out, &self.rules, |out, rule| string(out, rule));
        }
        if !self.unanswered.is_empty() {
            raw(out, b",\"unanswered\":");
            array(out, &self.unanswered, |out, path| string(out, path));
        }
        raw(out, b"}");
    }
}

/// A minimum screen and its unanswered items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenStatus<'kb> {
    /// The screen's rule id.
    pub id: &'kb str,
    /// The ids of its items the document does not answer.
    pub unanswered: Vec<&'kb str>,
}

/// The scores of the instruments the document answered (absent ones are left out).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores<'kb> {
    /// Oswestry Disability Index, when scored.
    pub odi: Option<OdiScore<'kb>>,
    /// Keele STarT Back, when answered.
    pub start_back: Option<StartBackScore<'kb>>,
    /// FABQ work subscale, when given.
    pub fabq_work: Option<i64>,
}

impl Scores<'_> {
    /// Appends the scores as a JSON object.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut separator: &[u8] = b"";
        raw(out, b"{");
        if let Some(odi) = &self.odi {
            raw(out, b"\"odi\":{\"percent\":");
            float(out, odi.percent);
            raw(out, b",\"band\":");
            string(out, odi.band);
            raw(out, b",\"answered\":");
            integer(out, odi.answered);
            raw(out, b"}");
            separator = b",";
        }
        if let Some(start_back) = &self.start_back {
            raw(out, separator);
            raw(out, b"\"start_back\":{\"total\":");
            integer(out, start_back.total);
            raw(out, b",\"psychosocial\":");
            integer(out, start_back.psychosocial);
            raw(out, b",\"risk\":");
            string(out, start_back.risk);
            raw(out, b"}");
            separator = b",";
        }
        if let Some(fabq) = self.fabq_work {
            raw(out, separator);
            raw(out, b"\"fabq_work\":");
            integer(out, fabq);
        }
        raw(out, b"}");
    }
}

/// An ODI score.
#[derive(Debug, Clone, PartialEq)]
pub struct OdiScore<'kb> {
    /// Sum of answered items / (5 × answered) × 100.
    pub percent: f64,
    /// The band.
    pub band: &'kb str,
    /// How many of the 10 items were answered.
    pub answered: u8,
}

/// A STarT Back score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartBackScore<'kb> {
    /// Total, 0–9.
    pub total: u8,
    /// Psychosocial subscale, 0–5.
    pub psychosocial: u8,
    /// Risk group.
    pub risk: &'kb str,
}

/// The result of a prediction rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PredictorResult {
    /// Criteria met.
    pub met: u8,
    /// Criteria whose inputs are known.
    pub known: u8,
    /// Criteria in the rule.
    pub of: u8,
}

/// A care plan.
#[derive(Debug, Clone, PartialEq)]
pub struct CarePlanOutput<'kb> {
    /// Its phases, in order.
    pub phases: Vec<Phase<'kb>>,
    /// Its review visits, in order.
    pub reviews: Vec<ReviewVisit<'kb>>,
    /// The follow-up points.
    pub follow_ups: Vec<FollowUp<'kb>>,
}

/// A review visit: `{id, label, therapy?, session?, offset?, date?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewVisit<'kb> {
    /// The review's rule id.
    pub id: &'kb str,
    /// A label for people.
    pub label: &'kb str,
    /// For a session review: the therapy and the 1-based session it follows.
    pub session: Option<(&'kb str, u32)>,
    /// For an offset review: the ISO 8601 duration after the start.
    pub offset: Option<&'kb str>,
    /// The date, when the document gave a start date.
    pub date: Option<Date>,
}

impl CarePlanOutput<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        raw(out, b"{\"phases\":");
        array(out, &self.phases, |out, phase| {
            raw(out, b"{\"therapy\":");
            string(out, phase.therapy);
            raw(out, b",\"sessions\":");
            integer(out, phase.sessions);
            raw(out, b",\"weeks\":");
            integer(out, phase.weeks);
            for (flag, value) in &phase.flags {
                raw(out, b",");
                string(out, flag);
                raw(out, b":");
                boolean(out, *value);
            }
            if let Some(dates) = &phase.dates {
                raw(out, b",\"dates\":");
                array(out, dates, |out, date| iso_date(out, *date));
            }
            raw(out, b"}");
        });
        raw(out, b",\"reviews\":");
        array(out, &self.reviews, |out, review| {
            raw(out, b"{\"id\":");
            string(out, review.id);
            raw(out, b",\"label\":");
            string(out, review.label);
            if let Some((therapy, session)) = review.session {
                raw(out, b",\"therapy\":");
                string(out, therapy);
                raw(out, b",\"session\":");
                integer(out, session);
            }
            if let Some(offset) = review.offset {
                raw(out, b",\"offset\":");
                string(out, offset);
            }
            if let Some(date) = review.date {
                raw(out, b",\"date\":");
                iso_date(out, date);
            }
            raw(out, b"}");
        });
        raw(out, b",\"follow_ups\":");
        array(out, &self.follow_ups, |out, follow_up| {
            raw(out, b"{\"label\":");
            string(out, follow_up.label);
            raw(out, b",\"offset\":");
            string(out, follow_up.offset);
            if let Some(date) = follow_up.date {
                raw(out, b",\"date\":");
                iso_date(out, date);
            }
            if let Some((opens, closes)) = follow_up.window {
                raw(out, b",\"window\":{\"opens\":");
                iso_date(out, opens);
                raw(out, b",\"closes\":");
                iso_date(out, closes);
                raw(out, b"}");
            }
            raw(out, b"}");
        });
        raw(out, b"}");
    }
}

/// One phase of a care plan. Each phase flag (`psychologically_informed`) is a key of its own,
/// and `dates` is there only when the document gave a start date.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase<'kb> {
    /// The therapy.
    pub therapy: &'kb str,
    /// Number of sessions.
    pub sessions: u32,
    /// Number of weeks.
    pub weeks: u32,
    /// Flags the knowledge base's modifiers set on this therapy's phases.
    pub flags: Vec<(&'kb str, bool)>,
    /// Each session's date.
    pub dates: Option<Vec<Date>>,
}

/// A follow-up point.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp<'kb> {
    /// `baseline`, `6 weeks`, …
    pub label: &'kb str,
    /// ISO 8601 duration after the start date (`P6W`, `P3M`).
    pub offset: &'kb str,
    /// The date, when the document gave a start date.
    pub date: Option<Date>,
    /// The days its questionnaire counts, first and last, with the date.
    pub window: Option<(Date, Date)>,
}

/// Appends a date as `"YYYY-MM-DD"` (validated start dates keep every computed date within the
/// years 1900–3999, so four digits always suffice).
fn iso_date(out: &mut Vec<u8>, date: Date) {
    let year = u16::try_from(date.year()).unwrap_or(0);
    let (month, day) =
        (u16::from(date.month().unsigned_abs()), u16::from(date.day().unsigned_abs()));
    let digit = |n: u16| b'0' + u8::try_from(n % 10).unwrap_or(0);
    raw(
        out,
        &[
            b'"',
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
            b'"',
        ],
    );
}

/// One entry of the rationale (a rule that fired) or of the evidence (a statement). Written as
/// `{rule, statement, inputs, sources, certainty}`, and `provenance` for evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct RationaleEntry<'kb> {
    /// The rule.
    pub meta: &'kb RuleMeta,
    /// The inputs it read, with their values.
    pub inputs: Inputs<'kb>,
    /// For evidence statements: where the figure comes from.
    pub provenance: Option<&'kb Text>,
}

impl<'kb> RationaleEntry<'kb> {
    /// The rule's id.
    pub fn rule(&self) -> &'kb str {
        &self.meta.id
    }

    /// The rule's statement.
    pub fn statement(&self) -> &'kb Text {
        &self.meta.statement
    }

    /// The rule's source labels.
    pub fn sources(&self) -> &'kb TextList {
        &self.meta.sources
    }

    /// The certainty of the rule's evidence.
    pub fn certainty(&self) -> Certainty {
        self.meta.certainty
    }

    /// Writes the entry; what comes before and after its inputs is the same for every
    /// document, so it is encoded once per rule.
    fn write_json(&self, out: &mut Vec<u8>) {
        let meta = self.meta;
        raw(
            out,
            meta.head.get_or_write(|out| {
                raw(out, b"{\"rule\":");
                string(out, &meta.id);
                raw(out, b",\"statement\":");
                raw(out, meta.statement.json());
                raw(out, b",\"inputs\":");
            }),
        );
        self.inputs.write_json(out);
        raw(
            out,
            meta.tail.get_or_write(|out| {
                raw(out, b",\"sources\":");
                raw(out, meta.sources.json());
                raw(out, b",\"certainty\":");
                string(out, meta.certainty.as_str());
            }),
        );
        if let Some(provenance) = self.provenance {
            raw(out, b",\"provenance\":");
            raw(out, provenance.json());
        }
        raw(out, b"}");
    }
}

/// An instrument the document used: `{id, name, loinc, notice}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentUsed<'kb>(pub &'kb Instrument);

impl InstrumentUsed<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let instrument = self.0;
        raw(
            out,
            instrument.encoded.get_or_write(|out| {
                raw(out, b"{\"id\":");
                string(out, instrument.id);
                raw(out, b",\"name\":");
                raw(out, instrument.name.json());
                raw(out, b",\"loinc\":");
                object(
                    out,
                    instrument.loinc.iter().map(|(role, code)| (role, code)),
                    |out, code| {
                        string(out, code);
                    },
                );
                raw(out, b",\"notice\":");
                raw(out, instrument.notice.json());
                raw(out, b"}");
            }),
        );
    }
}
