//! The condition language: a typed tree of tests, checked against the contract's vocabulary.

use discpath_model::{DiagnosisCode, FIELDS, FactId, Scalar, ValueType};

use super::{At, Compiler};
use crate::model::{Comparison, Condition, ContraindicationClass, Test};
use crate::raw::{RawBound, RawCondition};

/// What a condition may refer to, by the stage at which it is evaluated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// Red flags, contraindications and screens: facts, diagnoses and definitions that read
    /// only those.
    Facts,
    /// Everything else: also red-flag tiers, contraindications and screens.
    Full,
}

impl Compiler<'_> {
    /// Whether a compiled condition reads only facts, diagnoses and definitions that do.
    pub(super) fn facts_only(&self, condition: &Condition) -> bool {
        match condition {
            Condition::Always | Condition::Fact { .. } | Condition::Diagnosis { .. } => true,
            Condition::DiagnosisCategory { .. } => true,
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().all(|part| self.facts_only(part))
            }
            Condition::Not(inner) => self.facts_only(inner),
            Condition::Ref(index) => self.definitions.get(*index).is_some_and(|(_, only)| *only),
            Condition::RedFlagTier(_)
            | Condition::Contraindicated { .. }
            | Condition::ScreenIncomplete(_) => false,
        }
    }

    pub(super) fn fact(&mut self, at: &At, path: &str) -> Option<FactId> {
        let found = FactId::lookup(path);
        if found.is_none() {
            let hint = FIELDS
                .iter()
                .map(|f| f.path)
                .filter(|candidate| strsim::levenshtein(path, candidate) <= 2)
                .map(|candidate| format!(" (did you mean {candidate}?)"))
                .next()
                .unwrap_or_default();
            self.error(at, format!("unknown fact {path}{hint}"));
        }
        found
    }

    /// Compiles a condition, reporting every problem in it.
    pub(super) fn condition(&mut self, at: &At, raw: &RawCondition, stage: Stage) -> Condition {
        let heads = [
            ("all", raw.all.is_some()),
            ("any", raw.any.is_some()),
            ("not", raw.not.is_some()),
            ("ref", raw.reference.is_some()),
            ("always", raw.always.is_some()),
            ("fact", raw.fact.is_some()),
            ("diagnosis", raw.diagnosis.is_some()),
            ("diagnosis_category", raw.diagnosis_category.is_some()),
            ("red_flag_tier", raw.red_flag_tier.is_some()),
            ("contraindicated", raw.contraindicated.is_some()),
            ("screen_incomplete", raw.screen_incomplete.is_some()),
        ];
        let present: Vec<&str> =
            heads.iter().filter(|(_, set)| *set).map(|(name, _)| *name).collect();
        let [head] = present.as_slice() else {
            self.error(
                at,
                format!(
                    "a condition needs exactly one of {}; found {}",
                    heads.map(|h| h.0).join(", "),
                    if present.is_empty() { "none".to_owned() } else { present.join(" and ") }
                ),
            );
            return Condition::Always;
        };
        let tests = [
            ("is", raw.is.is_some()),
            ("eq", raw.eq.is_some()),
            ("in", raw.one_of.is_some()),
            ("gt", raw.gt.is_some()),
            ("gte", raw.gte.is_some()),
            ("lt", raw.lt.is_some()),
            ("lte", raw.lte.is_some()),
            ("answered", raw.answered.is_some()),
        ];
        let tests_present: Vec<&str> =
            tests.iter().filter(|(_, set)| *set).map(|(n, _)| *n).collect();
        let allowed_extras: &[&str] = match *head {
            "fact" => &["is", "eq", "in", "gt", "gte", "lt", "lte", "answered"],
            "diagnosis" | "diagnosis_category" => &["confirmed"],
            "contraindicated" => &["class"],
            _ => &[],
        };
        let extras = tests_present
            .iter()
            .copied()
            .chain(raw.confirmed.map(|_| "confirmed"))
            .chain(raw.class.as_ref().map(|_| "class"))
            .filter(|key| !allowed_extras.contains(key))
            .collect::<Vec<_>>();
        if !extras.is_empty() {
            self.error(at, format!("{} does not go with {head}", extras.join(", ")));
        }
        let needs_full = ["red_flag_tier", "contraindicated", "screen_incomplete"];
        if stage == Stage::Facts && needs_full.contains(head) {
            self.error(
                at,
                format!(
                    "{head} cannot be used here: this rule is evaluated before {head} is known"
                ),
            );
        }
        match *head {
            "all" => {
                Condition::All(self.conditions(at, raw.all.as_deref().unwrap_or_default(), stage))
            }
            "any" => {
                Condition::Any(self.conditions(at, raw.any.as_deref().unwrap_or_default(), stage))
            }
            "not" => Condition::Not(Box::new(match &raw.not {
                Some(inner) => self.condition(at, inner, stage),
                None => Condition::Always,
            })),
            "always" => {
                if raw.always != Some(true) {
                    self.error(at, "always must be true");
                }
                Condition::Always
            }
            "ref" => {
                let name = raw.reference.clone().unwrap_or_default();
                match self.definitions.iter().position(|(d, _)| *d == name) {
                    Some(index) => {
                        if stage == Stage::Facts && !self.definitions[index].1 {
                            self.error(
                                at,
                                format!(
                                    "{name} cannot be used here: it reads red flags, \
                                     contraindications or screens, which are evaluated after \
                                     this rule"
                                ),
                            );
                        }
                        Condition::Ref(index)
                    }
                    None => {
                        self.error(
                            at,
                            format!(
                                "unknown definition {name} (a definition can only use earlier ones)"
                            ),
                        );
                        Condition::Always
                    }
                }
            }
            "fact" => self.fact_condition(at, raw, &tests_present),
            "diagnosis" => {
                let code = raw.diagnosis.clone().unwrap_or_default();
                let resolved = if code == "any" {
                    None
                } else {
                    let found = DiagnosisCode::lookup(&code);
                    if found.is_none() {
                        self.error(at, format!("unknown diagnosis code {code}"));
                    }
                    found
                };
                Condition::Diagnosis { code: resolved, confirmed_only: self.confirmed(at, raw) }
            }
            "diagnosis_category" => {
                let name = raw.diagnosis_category.clone().unwrap_or_default();
                let category =
                    self.categories.iter().position(|c| *c == name).unwrap_or_else(|| {
                        self.error(at, format!("unknown diagnosis category {name}"));
                        0
                    });
                Condition::DiagnosisCategory { category, confirmed_only: self.confirmed(at, raw) }
            }
            "red_flag_tier" => {
                let name = raw.red_flag_tier.clone().unwrap_or_default();
                Condition::RedFlagTier(self.tiers.iter().position(|t| *t == name).unwrap_or_else(
                    || {
                        self.error(at, format!("unknown tier {name}"));
                        0
                    },
                ))
            }
            "contraindicated" => {
                let therapy = raw.contraindicated.clone().unwrap_or_default();
                let therapy = self.therapy(at, &therapy);
                let class = match raw.class.as_deref() {
                    Some("absolute") => ContraindicationClass::Absolute,
                    Some("relative") => ContraindicationClass::Relative,
                    other => {
                        let message = format!(
                            "contraindicated needs class = \"absolute\" or \"relative\", found {other:?}"
                        );
                        self.error(at, message);
                        ContraindicationClass::Absolute
                    }
                };
                Condition::Contraindicated { therapy, class }
            }
            _ => {
                let name = raw.screen_incomplete.clone().unwrap_or_default();
                Condition::ScreenIncomplete(
                    self.screens.iter().position(|s| *s == name).unwrap_or_else(|| {
                        self.error(at, format!("unknown screen {name}"));
                        0
                    }),
                )
            }
        }
    }

    fn conditions(&mut self, at: &At, raw: &[RawCondition], stage: Stage) -> Vec<Condition> {
        if raw.is_empty() {
            self.error(at, "all and any need at least one condition");
        }
        raw.iter().map(|c| self.condition(at, c, stage)).collect()
    }

    fn confirmed(&mut self, at: &At, raw: &RawCondition) -> bool {
        if raw.confirmed == Some(false) {
            self.error(at, "confirmed = false is ambiguous: leave it out, or negate with not");
        }
        raw.confirmed == Some(true)
    }

    fn fact_condition(&mut self, at: &At, raw: &RawCondition, tests: &[&str]) -> Condition {
        let path = raw.fact.clone().unwrap_or_default();
        let Some(fact) = self.fact(at, &path) else { return Condition::Always };
        let field = fact.field();
        let [test] = tests else {
            self.error(
                at,
                format!("fact {path} needs exactly one of is, eq, in, gt, gte, lt, lte, answered"),
            );
            return Condition::Always;
        };
        let numeric = matches!(field.ty, ValueType::Integer { .. } | ValueType::Number { .. });
        let mismatch = |compiler: &mut Self, what: &str| {
            compiler.error(at, format!("{path} is {}: {what} does not apply", field.ty));
            Condition::Always
        };
        let test = match *test {
            "answered" => Test::Answered(raw.answered.unwrap_or(true)),
            "is" if field.ty == ValueType::Bool => Test::Is(raw.is.unwrap_or(true)),
            "is" => return mismatch(self, "is"),
            "eq" => match self.value(at, &path, fact, raw.eq.as_ref()) {
                Some(value) => Test::Eq(value),
                None => return Condition::Always,
            },
            "in" => {
                let values = raw.one_of.as_deref().unwrap_or_default();
                if values.is_empty() {
                    self.error(at, format!("{path}: in needs at least one value"));
                }
                Test::In(
                    values.iter().filter_map(|v| self.value(at, &path, fact, Some(v))).collect(),
                )
            }
            comparison if numeric => {
                let (op, bound) = match comparison {
                    "gt" => (Comparison::Gt, &raw.gt),
                    "gte" => (Comparison::Gte, &raw.gte),
                    "lt" => (Comparison::Lt, &raw.lt),
                    _ => (Comparison::Lte, &raw.lte),
                };
                match bound {
                    Some(RawBound::Fact { fact: other }) => {
                        let Some(other_id) = self.fact(at, other) else { return Condition::Always };
                        let other_numeric = matches!(
                            other_id.field().ty,
                            ValueType::Integer { .. } | ValueType::Number { .. }
                        );
                        if !other_numeric {
                            let message = format!(
                                "{other} is not a number: {path} cannot be compared with it"
                            );
                            self.error(at, message);
                            return Condition::Always;
                        }
                        Test::CompareFact(op, other_id)
                    }
                    Some(RawBound::Number(number)) => Test::Compare(op, *number),
                    None => Test::Compare(op, 0.0),
                }
            }
            comparison => return mismatch(self, comparison),
        };
        Condition::Fact { fact, test }
    }

    /// A comparison value, typed by the fact it is compared with.
    fn value(
        &mut self,
        at: &At,
        path: &str,
        fact: FactId,
        value: Option<&toml::Value>,
    ) -> Option<Scalar> {
        let field = fact.field();
        match (field.ty, value?) {
            (ValueType::Enum(codes), toml::Value::String(code)) => {
                let index = field.enum_index(code);
                if index.is_none() {
                    self.error(at, format!("{path}: {code:?} is not one of {}", codes.join(", ")));
                }
                index.map(Scalar::Enum)
            }
            (ValueType::Integer { .. } | ValueType::Number { .. }, toml::Value::Integer(i)) => {
                // Knowledge-base thresholds are small, so the conversion is exact.
                Some(Scalar::Number(*i as f64))
            }
            (ValueType::Integer { .. } | ValueType::Number { .. }, toml::Value::Float(f)) => {
                Some(Scalar::Number(*f))
            }
            (ty, other) => {
                self.error(at, format!("{path} is {ty}, so {other} cannot be compared with it"));
                None
            }
        }
    }
}

/// Whether `later` can only hold when `earlier` holds, judged by its top-level conjuncts: when
/// every conjunct of `earlier` is also a conjunct of `later`, `earlier` (listed first) always
/// decides before `later` could.
pub(super) fn implies(later: &Condition, earlier: &Condition) -> bool {
    let later = conjuncts(later);
    conjuncts(earlier).iter().all(|part| later.contains(part))
}

fn conjuncts(condition: &Condition) -> Vec<&Condition> {
    match condition {
        Condition::Always => Vec::new(),
        Condition::All(parts) => parts.iter().flat_map(conjuncts).collect(),
        other => vec![other],
    }
}
