//! The facts of one evaluation and three-valued evaluation of conditions over them.

use discpath_kb::{Comparison, Condition, ContraindicationClass, KnowledgeBase, Test};
use discpath_model::vocabulary::FIELD_COUNT;
use discpath_model::vocabulary::Origin;
use discpath_model::{Assessment, FactId, Scalar};

use crate::inputs::{InputValue, Inputs};

/// Kleene's three truth values: a test on an unanswered fact is `Unknown`, and a rule fires only
/// when its condition is `True`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn from_bool(value: bool) -> Self {
        if value { Self::True } else { Self::False }
    }

    fn not(self) -> Self {
        match self {
            Self::True => Self::False,
            Self::False => Self::True,
            Self::Unknown => Self::Unknown,
        }
    }

    pub(crate) fn holds(self) -> bool {
        self == Self::True
    }
}

/// Everything conditions can read, filled stage by stage: facts (with defaults and derived
/// scores), then red flags, contraindications and screens, then definitions.
pub(crate) struct Facts<'kb, 'd> {
    pub kb: &'kb KnowledgeBase,
    pub doc: &'d Assessment,
    pub table: [Option<Scalar>; FIELD_COUNT],
    /// Indices of the red-flag rules that fired.
    pub red_flags: Vec<usize>,
    /// Indices of the contraindication rules that fired.
    pub contraindications: Vec<usize>,
    /// For each screen, the ids of its unanswered items.
    pub unanswered: Vec<Vec<&'kb str>>,
    /// The value of each definition (unknown until [`Facts::define`] computes it).
    pub definitions: Vec<Tri>,
    /// When set, a test on the diagnoses is unknown: the document has not given its list yet (a
    /// screening of a partial document). Never set by [`crate::assess`], which reads an absent
    /// list as "no diagnosis".
    pub diagnoses_unanswered: bool,
}

impl<'kb, 'd> Facts<'kb, 'd> {
    pub(crate) fn new(kb: &'kb KnowledgeBase, doc: &'d Assessment) -> Self {
        Self {
            kb,
            doc,
            table: doc.fact_table(),
            red_flags: Vec::new(),
            contraindications: Vec::new(),
            unanswered: Vec::new(),
            definitions: vec![Tri::Unknown; kb.definitions.len()],
            diagnoses_unanswered: false,
        }
    }

    /// Evaluates the definitions that read facts only (`facts_only = true`), or the others, in
    /// order. The first group is known before the red flags, which may use it.
    pub(crate) fn define(&mut self, facts_only: bool) {
        for (index, definition) in self.kb.definitions.iter().enumerate() {
            if definition.facts_only == facts_only {
                self.definitions[index] = self.eval(&definition.when);
            }
        }
    }

    /// Whether the document answers a fact: an input the document itself gives (a default does
    /// not count), or a derived score the engine could compute.
    pub(crate) fn answered(&self, fact: FactId) -> bool {
        match fact.field().origin {
            Origin::Input => self.doc.answers(fact),
            Origin::Derived => self.get(fact).is_some(),
        }
    }

    /// The unanswered inputs that leave a condition unknown, in the order they are read (each
    /// once): what a clinician must answer before it can be decided.
    pub(crate) fn unknown_inputs(&self, condition: &Condition, out: &mut Vec<&'static str>) {
        if self.eval(condition) != Tri::Unknown {
            return;
        }
        let mut push = |path: &'static str| {
            if !out.contains(&path) {
                out.push(path);
            }
        };
        match condition {
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().for_each(|part| self.unknown_inputs(part, out));
            }
            Condition::Not(inner) => self.unknown_inputs(inner, out),
            Condition::Ref(index) => {
                if let Some(definition) = self.kb.definitions.get(*index) {
                    self.unknown_inputs(&definition.when, out);
                }
            }
            Condition::Fact { fact, test } => {
                if self.get(*fact).is_none() {
                    push(fact.field().path);
                }
                if let Test::CompareFact(_, other) = test
                    && self.get(*other).is_none()
                {
                    push(other.field().path);
                }
            }
            Condition::Diagnosis { .. } | Condition::DiagnosisCategory { .. } => push("diagnoses"),
            _ => {}
        }
    }

    pub(crate) fn set(&mut self, fact: FactId, value: Scalar) {
        self.table[fact.index()] = Some(value);
    }

    pub(crate) fn get(&self, fact: FactId) -> Option<Scalar> {
        self.table[fact.index()]
    }

    /// Evaluates a condition.
    pub(crate) fn eval(&self, condition: &Condition) -> Tri {
        match condition {
            Condition::Always => Tri::True,
            Condition::All(parts) => {
                let mut result = Tri::True;
                for part in parts {
                    match self.eval(part) {
                        Tri::False => return Tri::False,
                        Tri::Unknown => result = Tri::Unknown,
                        Tri::True => {}
                    }
                }
                result
            }
            Condition::Any(parts) => {
                let mut result = Tri::False;
                for part in parts {
                    match self.eval(part) {
                        Tri::True => return Tri::True,
                        Tri::Unknown => result = Tri::Unknown,
                        Tri::False => {}
                    }
                }
                result
            }
            Condition::Not(inner) => self.eval(inner).not(),
            Condition::Ref(index) => self.definitions.get(*index).copied().unwrap_or(Tri::Unknown),
            Condition::Fact { fact, test } => self.test_fact(*fact, test),
            Condition::Diagnosis { .. } | Condition::DiagnosisCategory { .. }
                if self.diagnoses_unanswered =>
            {
                Tri::Unknown
            }
            Condition::Diagnosis { code, confirmed_only } => {
                Tri::from_bool(self.doc.diagnoses().iter().any(|d| {
                    code.is_none_or(|code| d.code == code)
                        && (!confirmed_only || d.confirmed_by_imaging)
                }))
            }
            Condition::DiagnosisCategory { category, confirmed_only } => {
                let codes = self.kb.categories.get(*category).map_or(&[][..], |c| &c.codes[..]);
                Tri::from_bool(self.doc.diagnoses().iter().any(|d| {
                    codes.contains(&d.code) && (!confirmed_only || d.confirmed_by_imaging)
                }))
            }
            Condition::RedFlagTier(tier) => {
                Tri::from_bool(self.red_flags.iter().any(|i| self.kb.red_flags[*i].tier == *tier))
            }
            Condition::Contraindicated { therapy, class } => {
                Tri::from_bool(self.contraindicated(*therapy, *class).next().is_some())
            }
            Condition::ScreenIncomplete(screen) => {
                Tri::from_bool(self.unanswered.get(*screen).is_some_and(|ids| !ids.is_empty()))
            }
        }
    }

    /// The names of the fired contraindications of a class to a therapy.
    pub(crate) fn contraindicated(
        &self,
        therapy: usize,
        class: ContraindicationClass,
    ) -> impl Iterator<Item = &'kb str> + '_ {
        self.contraindications.iter().filter_map(move |i| {
            let rule = &self.kb.contraindications[*i];
            (rule.therapy == therapy && rule.class == class).then_some(rule.name.as_str())
        })
    }

    /// Records every input a condition reads, with its value, for the rationale. Definitions are
    /// followed, so the inputs name the facts underneath them.
    pub(crate) fn collect_inputs(&self, condition: &Condition, inputs: &mut Inputs<'kb>) {
        match condition {
            Condition::Always => {}
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().for_each(|part| self.collect_inputs(part, inputs));
            }
            Condition::Not(inner) => self.collect_inputs(inner, inputs),
            Condition::Ref(index) => {
                if let Some(definition) = self.kb.definitions.get(*index) {
                    self.collect_inputs(&definition.when, inputs);
                }
            }
            Condition::Fact { fact, test } => {
                self.collect_fact(*fact, inputs);
                if let Test::CompareFact(_, other) = test {
                    self.collect_fact(*other, inputs);
                }
            }
            Condition::Diagnosis { confirmed_only, .. }
            | Condition::DiagnosisCategory { confirmed_only, .. } => {
                let codes = self
                    .doc
                    .diagnoses()
                    .iter()
                    .filter(|d| !confirmed_only || d.confirmed_by_imaging)
                    .map(|d| d.code.as_str())
                    .collect();
                let key =
                    if *confirmed_only { "diagnoses (confirmed by imaging)" } else { "diagnoses" };
                inputs.push(key.into(), InputValue::List(codes));
            }
            Condition::RedFlagTier(tier) => {
                let flags = self
                    .red_flags
                    .iter()
                    .map(|i| &self.kb.red_flags[*i])
                    .filter(|rule| rule.tier == *tier)
                    .map(|rule| rule.flag.as_str())
                    .collect();
                let name = self.kb.tiers.get(*tier).map_or("red_flags", |t| t.input_key.as_str());
                inputs.push(name.into(), InputValue::List(flags));
            }
            Condition::Contraindicated { therapy, class } => {
                let names = self.contraindicated(*therapy, *class).collect();
                let key = self
                    .kb
                    .care_plan
                    .therapies
                    .get(*therapy)
                    .map_or("contraindications", |t| t.contraindication_key(*class));
                inputs.push(key.into(), InputValue::List(names));
            }
            Condition::ScreenIncomplete(screen) => {
                let ids = self.unanswered.get(*screen).cloned().unwrap_or_default();
                let name = self.kb.screens.get(*screen).map_or("screen", |s| s.input_key.as_str());
                inputs.push(name.into(), InputValue::List(ids));
            }
        }
    }
}

impl Facts<'_, '_> {
    fn collect_fact(&self, fact: FactId, inputs: &mut Inputs<'_>) {
        let field = fact.field();
        let value = self.get(fact).map_or(InputValue::Absent, |v| InputValue::Scalar(field, v));
        inputs.push(field.path.into(), value);
    }

    fn test_fact(&self, fact: FactId, test: &Test) -> Tri {
        let value = self.get(fact);
        if let Test::Answered(expected) = test {
            return Tri::from_bool(value.is_some() == *expected);
        }
        let Some(value) = value else { return Tri::Unknown };
        let holds = match test {
            Test::Is(expected) => value == Scalar::Bool(*expected),
            Test::Eq(expected) => same(value, *expected),
            Test::In(options) => options.iter().any(|option| same(value, *option)),
            Test::Compare(op, bound) => value.as_f64().is_some_and(|n| compare(*op, n, *bound)),
            Test::CompareFact(op, other) => {
                let Some(bound) = self.get(*other).and_then(Scalar::as_f64) else {
                    return Tri::Unknown;
                };
                value.as_f64().is_some_and(|n| compare(*op, n, bound))
            }
            Test::Answered(_) => true,
        };
        Tri::from_bool(holds)
    }
}

fn compare(op: Comparison, value: f64, bound: f64) -> bool {
    match op {
        Comparison::Gt => value > bound,
        Comparison::Gte => value >= bound,
        Comparison::Lt => value < bound,
        Comparison::Lte => value <= bound,
    }
}

/// Equality of a fact's value and a rule's value: enums by code, numbers by value.
fn same(value: Scalar, expected: Scalar) -> bool {
    match (value.as_f64(), expected.as_f64()) {
        (Some(a), Some(b)) => a.total_cmp(&b).is_eq(),
        _ => value == expected,
    }
}
