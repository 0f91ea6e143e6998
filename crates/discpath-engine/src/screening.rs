//! Screening the answers given so far for red flags: the knowledge base's own red-flag rules,
//! evaluated as [`crate::assess`] evaluates them, on a document that may be partial.

use discpath_kb::{KnowledgeBase, RedFlag};
use discpath_model::Assessment;

use crate::assess::{Rationale, prepare, red_flags};
use crate::facts::Tri;
use crate::json::{array, raw, string};
use crate::recommendation::{KbInfo, RedFlagFinding};

/// What the red-flag rules say about the answers given so far.
#[derive(Debug, Clone, PartialEq)]
pub struct RedFlagScreening<'kb> {
    /// Which knowledge base screened.
    pub kb: KbInfo<'kb>,
    /// The red flags that hold whatever the unanswered inputs turn out to be, exactly as
    /// [`crate::assess`] lists them: the most urgent tier first, then in the knowledge base's
    /// order. On a complete document this is the recommendation's `red_flags`.
    pub red_flags: Vec<RedFlagFinding<'kb>>,
    /// The red-flag rules that unanswered inputs leave undecided (neither present nor ruled
    /// out), in the same order, each with the inputs it waits for.
    pub undecided: Vec<UndecidedRedFlag<'kb>>,
}

/// A red-flag rule that an answer still to come may raise.
#[derive(Debug, Clone, PartialEq)]
pub struct UndecidedRedFlag<'kb> {
    /// The flag (`cancer_with_neurological_symptoms`).
    pub id: &'kb str,
    /// Its tier.
    pub tier: &'kb str,
    /// The rule (its id, label and advice).
    pub rule: &'kb RedFlag,
    /// The unanswered inputs that leave it undecided, by path (`symptoms.leg_pain`), in the
    /// order the rule reads them; `diagnoses` when the document has not given its diagnoses.
    pub waiting_for: Vec<&'static str>,
}

/// Screens an assessment document — typically a partial one ([`discpath_model::parse_partial`])
/// — with the knowledge base's red-flag rules: the same evaluation as [`crate::assess`] (scores,
/// the definitions that read facts only, then the red flags, in three-valued logic), so a flag
/// is reported only when its condition is true, and the rules that unanswered inputs leave
/// unknown are listed as undecided. A document that does not give `diagnoses` has not answered
/// them yet: a rule that a diagnosis could still raise is undecided, waiting for `diagnoses`.
///
/// Pure and total like [`crate::assess`]: no clock, file, network or database, no panic on any
/// valid document.
pub fn screen_red_flags<'kb>(kb: &'kb KnowledgeBase, doc: &Assessment) -> RedFlagScreening<'kb> {
    let (mut facts, _, _) = prepare(kb, doc, &mut Rationale::silent());
    let found = red_flags(&facts);
    if !doc.answers_diagnoses() {
        // The red flags read only facts and the definitions that read facts only: evaluate
        // those again with the diagnoses unknown, to see which rules a diagnosis could raise.
        facts.diagnoses_unanswered = true;
        facts.define(true);
    }
    let mut undecided: Vec<UndecidedRedFlag<'kb>> = kb
        .red_flags
        .iter()
        .enumerate()
        .filter(|(index, rule)| {
            !facts.red_flags.contains(index) && facts.eval(&rule.when) == Tri::Unknown
        })
        .map(|(_, rule)| {
            let mut waiting_for = Vec::new();
            facts.unknown_inputs(&rule.when, &mut waiting_for);
            let tier = kb.tiers.get(rule.tier).map_or("", |t| t.id.as_str());
            UndecidedRedFlag { id: &rule.flag, tier, rule, waiting_for }
        })
        .collect();
    // A stable sort, as for the flags present: the knowledge base's order within each tier.
    undecided.sort_by_key(|flag| flag.rule.tier);
    RedFlagScreening {
        kb: KbInfo { name: &kb.name, version: &kb.version, hash: &kb.hash, encoded: &kb.identity },
        red_flags: found,
        undecided,
    }
}

impl RedFlagScreening<'_> {
    /// The screening as compact JSON: `{"kb", "red_flags", "undecided"}`, each red flag exactly
    /// as a recommendation lists it (`{id, tier, label, advice}`), each undecided rule as
    /// `{id, rule, tier, label, waiting_for}`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * 1024);
        self.write_json(&mut out);
        out
    }

    /// Appends the screening's JSON to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        raw(out, b"{\"kb\":");
        self.kb.write_json(out);
        raw(out, b",\"red_flags\":");
        array(out, &self.red_flags, |out, flag| raw(out, &flag.rule.json));
        raw(out, b",\"undecided\":");
        array(out, &self.undecided, |out, flag| {
            raw(out, b"{\"id\":");
            string(out, flag.id);
            raw(out, b",\"rule\":");
            string(out, &flag.rule.meta.id);
            raw(out, b",\"tier\":");
            string(out, flag.tier);
            raw(out, b",\"label\":");
            raw(out, flag.rule.label.json());
            raw(out, b",\"waiting_for\":");
            array(out, &flag.waiting_for, |out, path| string(out, path));
            raw(out, b"}");
        });
        raw(out, b"}");
    }
}

impl serde::Serialize for RedFlagScreening<'_> {
    /// The JSON of [`RedFlagScreening::write_json`], passed on as a raw value.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let json = String::from_utf8(self.to_json()).map_err(serde::ser::Error::custom)?;
        serde_json::value::RawValue::from_string(json)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}
