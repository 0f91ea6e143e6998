//! Loading: parse every file, then resolve and check every reference, collecting all problems.

use std::collections::{BTreeSet, HashMap};

use discpath_model::vocabulary::{DIAGNOSIS_CODES, ODI_BANDS, ODI_ITEMS, START_BACK_ITEMS};
use discpath_model::{DiagnosisCode, FIELDS, FactId, Pathway, Scalar, ValueType};
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, KbError};
use crate::files::KbFile;
use crate::model::{
    CarePlan, Category, ComparedTherapy, Comparison, Condition, Contraindication, Criterion,
    Definition, Escalation, EscalationOption, Evidence, EvidenceStatement, Exclusion,
    FollowUpPoint, FollowUps, Instrument, Instruments, KnowledgeBase, Modifier, Note, Odi,
    PathwayRule, PlanTemplate, Predictor, RedFlag, RuleMeta, Screen, ScreenItem, Source, StartBack,
    Test, TherapyCourse, Tier,
};
use crate::raw::{self, RawCondition, RawMeta, RawScreen};
use crate::text::{EncodingCache, Text, TextList};

/// The files a knowledge base consists of, each exactly once.
pub const FILE_NAMES: &[&str] = &[
    "kb.toml",
    "sources.toml",
    "red_flags.toml",
    "contraindications.toml",
    "diagnoses.toml",
    "definitions.toml",
    "pathway.toml",
    "escalation.toml",
    "care_plan.toml",
    "instruments.toml",
    "predictors.toml",
    "notes.toml",
    "evidence.toml",
];

/// The id of the definition that decides `decompression_candidate`.
pub const DECOMPRESSION_CANDIDATE: &str = "definition.decompression_candidate";

/// Phase keys the output already uses, which a modifier flag may not take.
const RESERVED_PHASE_KEYS: &[&str] = &["therapy", "sessions", "weeks", "dates"];

/// Loads and validates a knowledge base from its files.
pub fn load(files: &[KbFile]) -> Result<KnowledgeBase, KbError> {
    let mut diagnostics = Vec::new();
    for name in FILE_NAMES {
        if !files.iter().any(|f| f.name == *name) {
            diagnostics.push(file_error(name, None, "file is missing"));
        }
    }
    for file in files {
        if !FILE_NAMES.contains(&file.name.as_str()) {
            let message = format!("unknown file (a knowledge base has {})", FILE_NAMES.join(", "));
            diagnostics.push(file_error(&file.name, None, &message));
        }
    }
    if !diagnostics.is_empty() {
        return Err(KbError::Invalid(diagnostics));
    }
    let parsed = Parsed::parse(files, &mut diagnostics);
    let Some(parsed) = parsed else { return Err(KbError::Invalid(diagnostics)) };
    let mut compiler = Compiler::new(files);
    let kb = compiler.compile(parsed, crate::hash::content_hash(files));
    if compiler.diagnostics.is_empty() {
        Ok(kb)
    } else {
        Err(KbError::Invalid(compiler.diagnostics))
    }
}

fn file_error(file: &str, line: Option<usize>, message: &str) -> Diagnostic {
    Diagnostic { file: file.to_owned(), line, rule: None, message: message.to_owned() }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |before| before.matches('\n').count()) + 1
}

/// Every file, parsed into its raw structure.
struct Parsed {
    manifest: raw::Manifest,
    sources: raw::SourcesFile,
    red_flags: raw::RedFlagsFile,
    contraindications: raw::ContraindicationsFile,
    diagnoses: raw::DiagnosesFile,
    definitions: raw::DefinitionsFile,
    pathway: raw::PathwayFile,
    escalation: raw::EscalationFile,
    care_plan: raw::CarePlanFile,
    instruments: raw::InstrumentsFile,
    predictors: raw::PredictorsFile,
    notes: raw::NotesFile,
    evidence: raw::EvidenceFile,
}

impl Parsed {
    fn parse(files: &[KbFile], diagnostics: &mut Vec<Diagnostic>) -> Option<Self> {
        fn one<T: DeserializeOwned>(
            files: &[KbFile],
            name: &str,
            diagnostics: &mut Vec<Diagnostic>,
        ) -> Option<T> {
            let file = files.iter().find(|f| f.name == name)?;
            match toml::from_str::<T>(&file.text) {
                Ok(parsed) => Some(parsed),
                Err(error) => {
                    let line = error.span().map(|span| line_of(&file.text, span.start));
                    let message = error.message().trim().to_owned();
                    diagnostics.push(file_error(name, line, &message));
                    None
                }
            }
        }
        let manifest = one(files, "kb.toml", diagnostics);
        let sources = one(files, "sources.toml", diagnostics);
        let red_flags = one(files, "red_flags.toml", diagnostics);
        let contraindications = one(files, "contraindications.toml", diagnostics);
        let diagnoses = one(files, "diagnoses.toml", diagnostics);
        let definitions = one(files, "definitions.toml", diagnostics);
        let pathway = one(files, "pathway.toml", diagnostics);
        let escalation = one(files, "escalation.toml", diagnostics);
        let care_plan = one(files, "care_plan.toml", diagnostics);
        let instruments = one(files, "instruments.toml", diagnostics);
        let predictors = one(files, "predictors.toml", diagnostics);
        let notes = one(files, "notes.toml", diagnostics);
        let evidence = one(files, "evidence.toml", diagnostics);
        Some(Self {
            manifest: manifest?,
            sources: sources?,
            red_flags: red_flags?,
            contraindications: contraindications?,
            diagnoses: diagnoses?,
            definitions: definitions?,
            pathway: pathway?,
            escalation: escalation?,
            care_plan: care_plan?,
            instruments: instruments?,
            predictors: predictors?,
            notes: notes?,
            evidence: evidence?,
        })
    }
}

/// What a condition may refer to, by the stage at which it is evaluated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Red flags, contraindications and screens: facts and diagnoses only.
    Facts,
    /// Everything else: also definitions, red-flag tiers, contraindications and screens.
    Full,
}

/// Where a rule is, for diagnostics.
#[derive(Clone)]
struct At {
    file: &'static str,
    line: Option<usize>,
    rule: Option<String>,
}

struct Compiler<'f> {
    files: &'f [KbFile],
    diagnostics: Vec<Diagnostic>,
    rule_ids: HashMap<String, (String, Option<usize>)>,
    sources: HashMap<String, String>,
    therapies: Vec<String>,
    tiers: Vec<String>,
    categories: Vec<String>,
    definitions: Vec<String>,
    screens: Vec<String>,
}

impl<'f> Compiler<'f> {
    fn new(files: &'f [KbFile]) -> Self {
        Self {
            files,
            diagnostics: Vec::new(),
            rule_ids: HashMap::new(),
            sources: HashMap::new(),
            therapies: Vec::new(),
            tiers: Vec::new(),
            categories: Vec::new(),
            definitions: Vec::new(),
            screens: Vec::new(),
        }
    }

    fn at(&self, file: &'static str, id: &Spanned<String>) -> At {
        let text = self.files.iter().find(|f| f.name == file).map_or("", |f| f.text.as_str());
        At { file, line: Some(line_of(text, id.span().start)), rule: Some(id.get_ref().clone()) }
    }

    fn error(&mut self, at: &At, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            file: at.file.to_owned(),
            line: at.line,
            rule: at.rule.clone(),
            message: message.into(),
        });
    }

    fn compile(&mut self, parsed: Parsed, hash: String) -> KnowledgeBase {
        let sources = self.sources(&parsed.sources);
        self.therapies = parsed.care_plan.therapy.iter().map(|t| t.therapy.clone()).collect();
        let tiers = self.tiers(&parsed.red_flags.tier);
        let categories = self.categories(&parsed.diagnoses.category);
        let red_flags = self.red_flags(&parsed.red_flags.flag);
        let red_flag_screen = self.screen(&parsed.red_flags.screen, "red_flags.toml");
        let contraindications = self.contraindications(&parsed.contraindications.contraindication);
        let contraindication_screen =
            self.screen(&parsed.contraindications.screen, "contraindications.toml");
        let screens = vec![red_flag_screen, contraindication_screen];
        let definitions = self.definitions(&parsed.definitions.definition);
        let decompression_candidate = self
            .definitions
            .iter()
            .position(|d| d == DECOMPRESSION_CANDIDATE)
            .unwrap_or_else(|| {
                let at = At { file: "definitions.toml", line: None, rule: None };
                self.error(&at, format!("the definition {DECOMPRESSION_CANDIDATE} is required"));
                0
            });
        let pathway = self.pathway(&parsed.pathway.rule);
        let escalation = self.escalation(&parsed.escalation);
        let care_plan = self.care_plan(&parsed.care_plan);
        let instruments = self.instruments(&parsed.instruments);
        let predictors = self.predictors(&parsed.predictors.predictor);
        let notes = parsed
            .notes
            .note
            .iter()
            .map(|note| {
                let at = self.at("notes.toml", &note.id);
                Note {
                    meta: self.meta(&at, &note.meta()),
                    when: self.condition(&at, &note.when, Stage::Full),
                }
            })
            .collect();
        let evidence = self.evidence(&parsed.evidence, &escalation);
        let manifest = parsed.manifest;
        KnowledgeBase {
            name: manifest.name,
            version: manifest.version,
            effective_date: manifest.effective_date,
            title: manifest.title,
            description: manifest.description,
            disclaimer: Text::new(manifest.disclaimer),
            hash,
            identity: EncodingCache::default(),
            sources,
            tiers,
            red_flags,
            screens,
            contraindications,
            categories,
            definitions,
            decompression_candidate,
            pathway,
            escalation,
            care_plan,
            instruments,
            predictors,
            notes,
            evidence,
        }
    }

    fn sources(&mut self, file: &raw::SourcesFile) -> Vec<Source> {
        let mut sources = Vec::new();
        for source in &file.source {
            let at = self.at("sources.toml", &source.id);
            let id = source.id.get_ref().clone();
            if self.sources.insert(id.clone(), source.label.clone()).is_some() {
                self.error(&at, format!("source {id} is defined twice"));
            }
            sources.push(Source {
                id,
                label: source.label.clone(),
                citation: source.citation.clone(),
                url: source.url.clone(),
            });
        }
        sources
    }

    /// Checks a rule's id and sources and resolves the sources to their labels.
    fn meta(&mut self, at: &At, raw: &RawMeta<'_>) -> RuleMeta {
        let id = raw.id.get_ref().clone();
        let well_formed = id.split('.').count() >= 2
            && id.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            });
        if !well_formed {
            self.error(
                at,
                "a rule id must be dotted lowercase words, e.g. pathway.structural.sequence",
            );
        }
        if let Some((file, line)) = self.rule_ids.get(&id).cloned() {
            let place = line.map_or(file.clone(), |line| format!("{file}:{line}"));
            self.error(at, format!("two rules have the id {id} (the other is at {place})"));
        } else {
            self.rule_ids.insert(id.clone(), (at.file.to_owned(), at.line));
        }
        if raw.statement.trim().is_empty() {
            self.error(at, "the rule has no statement");
        }
        let sources = self.source_labels(at, raw.sources);
        RuleMeta {
            id,
            statement: Text::new(raw.statement.trim()),
            sources: TextList::new(sources),
            certainty: raw.certainty,
            encoded: EncodingCache::default(),
        }
    }

    fn source_labels(&mut self, at: &At, ids: &[String]) -> Vec<String> {
        if ids.is_empty() {
            self.error(
                at,
                "the rule has no source (cite clinical-facts sources or clinic-pathway)",
            );
        }
        ids.iter()
            .filter_map(|id| {
                let label = self.sources.get(id).cloned();
                if label.is_none() {
                    self.error(at, format!("unknown source {id}"));
                }
                label
            })
            .collect()
    }

    fn tiers(&mut self, tiers: &[raw::RawTier]) -> Vec<Tier> {
        let mut compiled = Vec::new();
        for tier in tiers {
            let id = tier.id.get_ref().clone();
            if self.tiers.contains(&id) {
                let at = self.at("red_flags.toml", &tier.id);
                self.error(&at, format!("tier {id} is defined twice"));
            }
            self.tiers.push(id.clone());
            compiled.push(Tier { id, title: tier.title.clone(), action: tier.action.clone() });
        }
        compiled
    }

    fn categories(&mut self, categories: &[raw::RawCategory]) -> Vec<Category> {
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut compiled = Vec::new();
        for category in categories {
            let at = self.at("diagnoses.toml", &category.id);
            let id = category.id.get_ref().clone();
            if self.categories.contains(&id) || id == "any" {
                self.error(&at, format!("category {id} is defined twice or reserved"));
            }
            let mut codes = Vec::new();
            for code in &category.codes {
                match DiagnosisCode::lookup(code) {
                    Some(found) => codes.push(found),
                    None => self.error(&at, format!("unknown diagnosis code {code}")),
                }
                if let Some(other) = seen.insert(code.clone(), id.clone()) {
                    self.error(&at, format!("diagnosis code {code} is also in category {other}"));
                }
            }
            self.categories.push(id.clone());
            compiled.push(Category { id, label: category.label.clone(), codes });
        }
        for code in DIAGNOSIS_CODES {
            if !seen.contains_key(*code) {
                let at = At { file: "diagnoses.toml", line: None, rule: None };
                self.error(&at, format!("diagnosis code {code} is in no category"));
            }
        }
        compiled
    }

    fn red_flags(&mut self, flags: &[raw::RawRedFlag]) -> Vec<RedFlag> {
        let mut names = BTreeSet::new();
        let mut compiled = Vec::new();
        for flag in flags {
            let at = self.at("red_flags.toml", &flag.id);
            let meta = self.meta(&at, &flag.meta());
            if !names.insert(flag.flag.clone()) {
                self.error(&at, format!("red flag {} is reported by two rules", flag.flag));
            }
            let tier = self.tiers.iter().position(|t| *t == flag.tier).unwrap_or_else(|| {
                self.error(&at, format!("unknown tier {}", flag.tier));
                0
            });
            let when = self.condition(&at, &flag.when, Stage::Facts);
            compiled.push(RedFlag { meta, flag: flag.flag.clone(), tier, when });
        }
        compiled
    }

    fn screen(&mut self, screen: &RawScreen, file: &'static str) -> Screen {
        let at = self.at(file, &screen.id);
        let meta = self.meta(&at, &screen.meta());
        let mut items = Vec::new();
        for item in &screen.require {
            let fact = self.fact(&at, &item.fact);
            let id = item
                .id
                .clone()
                .unwrap_or_else(|| item.fact.rsplit('.').next().unwrap_or_default().to_owned());
            let unless = item.unless.as_ref().map(|c| self.condition(&at, c, Stage::Facts));
            if let Some(fact) = fact {
                items.push(ScreenItem { id, fact, unless });
            }
        }
        self.screens.push(meta.id.clone());
        Screen { meta, items }
    }

    fn contraindications(&mut self, rules: &[raw::RawContraindication]) -> Vec<Contraindication> {
        let mut names = BTreeSet::new();
        let mut compiled = Vec::new();
        for rule in rules {
            let at = self.at("contraindications.toml", &rule.id);
            let meta = self.meta(&at, &rule.meta());
            let therapy = self.therapy(&at, &rule.therapy);
            if !names.insert((rule.name.clone(), rule.therapy.clone())) {
                self.error(&at, format!("contraindication {} is reported by two rules", rule.name));
            }
            let when = self.condition(&at, &rule.when, Stage::Facts);
            compiled.push(Contraindication {
                meta,
                name: rule.name.clone(),
                therapy,
                class: rule.class,
                when,
            });
        }
        compiled
    }

    fn therapy(&mut self, at: &At, therapy: &str) -> usize {
        self.therapies.iter().position(|t| t == therapy).unwrap_or_else(|| {
            self.error(
                at,
                format!("unknown therapy {therapy} (care_plan.toml defines the therapies)"),
            );
            0
        })
    }

    fn definitions(&mut self, definitions: &[raw::RawDefinition]) -> Vec<Definition> {
        let mut compiled = Vec::new();
        for definition in definitions {
            let at = self.at("definitions.toml", &definition.id);
            let meta = self.meta(&at, &definition.meta());
            // Compiled before it is named, so a definition can only refer to earlier ones: no cycles.
            let when = self.condition(&at, &definition.when, Stage::Full);
            self.definitions.push(meta.id.clone());
            compiled.push(Definition { meta, when });
        }
        compiled
    }

    fn pathway(&mut self, rules: &[raw::RawPathwayRule]) -> Vec<PathwayRule> {
        let mut compiled: Vec<(At, PathwayRule)> = Vec::new();
        for rule in rules {
            let at = self.at("pathway.toml", &rule.id);
            let meta = self.meta(&at, &rule.meta());
            let when = self.condition(&at, &rule.when, Stage::Full);
            let pathway = Pathway::from_code(&rule.pathway).unwrap_or_else(|| {
                let known: Vec<&str> = Pathway::ALL.iter().map(|p| p.as_str()).collect();
                self.error(
                    &at,
                    format!("unknown pathway {} (one of {})", rule.pathway, known.join(", ")),
                );
                Pathway::ClinicalEvaluation
            });
            let missing_screen = rule.missing_screen.as_ref().and_then(|screen| {
                let found = self.screens.iter().position(|s| s == screen);
                if found.is_none() {
                    self.error(&at, format!("unknown screen {screen}"));
                }
                found
            });
            for (index, (earlier_at, earlier)) in compiled.iter().enumerate() {
                if implies(&when, &earlier.when) {
                    let message = format!(
                        "never decides: the earlier rule {} (rule {} of the pathway, line {}) \
                         always matches when this one does",
                        earlier.meta.id,
                        index + 1,
                        earlier_at.line.unwrap_or(0),
                    );
                    self.diagnostics.push(Diagnostic {
                        file: at.file.to_owned(),
                        line: at.line,
                        rule: at.rule.clone(),
                        message,
                    });
                }
            }
            let compiled_rule = PathwayRule {
                meta,
                when,
                pathway,
                missing: rule.missing.clone(),
                missing_screen,
                advice: rule.advice.as_deref().map(Text::new),
            };
            compiled.push((at, compiled_rule));
        }
        match compiled.last() {
            Some((_, last)) if last.when == Condition::Always => {}
            Some((at, _)) => {
                let at = at.clone();
                self.error(&at, "the last pathway rule must be `when = { always = true }`, so that every document gets a pathway");
            }
            None => {
                let at = At { file: "pathway.toml", line: None, rule: None };
                self.error(&at, "the pathway has no rules");
            }
        }
        compiled.into_iter().map(|(_, rule)| rule).collect()
    }

    fn escalation(&mut self, file: &raw::EscalationFile) -> Escalation {
        let file_at = At { file: "escalation.toml", line: None, rule: None };
        let applies_to = file
            .applies_to
            .iter()
            .filter_map(|code| {
                let found = Pathway::from_code(code);
                if found.is_none() {
                    self.error(&file_at, format!("applies_to: unknown pathway {code}"));
                }
                found
            })
            .collect();
        let mut exclusions = Vec::new();
        for exclusion in &file.exclusion {
            let at = self.at("escalation.toml", &exclusion.id);
            let meta = self.meta(&at, &exclusion.meta());
            let when = self.condition(&at, &exclusion.when, Stage::Full);
            exclusions.push(Exclusion { meta, when });
        }
        let mut options = Vec::new();
        let mut names = BTreeSet::new();
        for option in &file.option {
            let at = self.at("escalation.toml", &option.id);
            let meta = self.meta(&at, &option.meta());
            if !names.insert(option.option.clone()) {
                self.error(&at, format!("option {} is offered by two rules", option.option));
            }
            let when = self.condition(&at, &option.when, Stage::Full);
            let excluded_by = option
                .excluded_by
                .iter()
                .filter_map(|id| {
                    let found = exclusions.iter().position(|e: &Exclusion| e.meta.id == *id);
                    if found.is_none() {
                        self.error(&at, format!("unknown exclusion {id}"));
                    }
                    found
                })
                .collect();
            options.push(EscalationOption {
                meta,
                option: option.option.clone(),
                when,
                excluded_by,
            });
        }
        Escalation { applies_to, options, exclusions }
    }

    fn care_plan(&mut self, file: &raw::CarePlanFile) -> CarePlan {
        let mut therapies = Vec::new();
        for therapy in &file.therapy {
            let at = self.at("care_plan.toml", &therapy.id);
            let meta = self.meta(&at, &therapy.meta());
            self.check_course(&at, therapy);
            if self.therapies.iter().filter(|t| **t == therapy.therapy).count() > 1 {
                self.error(&at, format!("therapy {} is defined twice", therapy.therapy));
            }
            therapies.push(TherapyCourse {
                meta,
                therapy: therapy.therapy.clone(),
                name: therapy.name.clone(),
                sessions: therapy.sessions,
                weeks: therapy.weeks,
                weekly: therapy.weekly.clone(),
                allowed_sessions: (therapy.allowed_sessions[0], therapy.allowed_sessions[1]),
                allowed_weeks: (therapy.allowed_weeks[0], therapy.allowed_weeks[1]),
            });
        }
        let mut plans: Vec<PlanTemplate> = Vec::new();
        for plan in &file.plan {
            let at = self.at("care_plan.toml", &plan.id);
            let meta = self.meta(&at, &plan.meta());
            let pathway = Pathway::from_code(&plan.pathway).unwrap_or_else(|| {
                self.error(&at, format!("unknown pathway {}", plan.pathway));
                Pathway::PhysicalTherapy
            });
            if plans.iter().any(|p| p.pathway == pathway) {
                self.error(&at, format!("pathway {} has two plans", plan.pathway));
            }
            if plan.phases.is_empty() {
                self.error(&at, "a plan needs at least one phase");
            }
            let phases = plan.phases.iter().map(|t| self.therapy(&at, t)).collect();
            plans.push(PlanTemplate { meta, pathway, phases });
        }
        let mut modifiers = Vec::new();
        for modifier in &file.modifier {
            let at = self.at("care_plan.toml", &modifier.id);
            let meta = self.meta(&at, &modifier.meta());
            let therapy = self.therapy(&at, &modifier.therapy);
            if RESERVED_PHASE_KEYS.contains(&modifier.flag.as_str())
                || !modifier.flag.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            {
                self.error(&at, format!("{} cannot be a phase flag", modifier.flag));
            }
            let when = self.condition(&at, &modifier.when, Stage::Full);
            modifiers.push(Modifier { meta, therapy, flag: modifier.flag.clone(), when });
        }
        let follow_up = &file.follow_up;
        let at = self.at("care_plan.toml", &follow_up.id);
        let meta = self.meta(&at, &follow_up.meta());
        let mut labels = BTreeSet::new();
        let points = follow_up
            .point
            .iter()
            .map(|point| {
                if !labels.insert(point.label.clone()) {
                    self.error(&at, format!("follow-up {} is listed twice", point.label));
                }
                if point.days > 366 || point.weeks > 104 || point.months > 36 {
                    self.error(
                        &at,
                        format!("follow-up {} is more than three years away", point.label),
                    );
                }
                FollowUpPoint {
                    label: point.label.clone(),
                    days: point.days,
                    weeks: point.weeks,
                    months: point.months,
                    offset: iso_duration(point.days, point.weeks, point.months),
                }
            })
            .collect();
        CarePlan { therapies, plans, modifiers, follow_ups: FollowUps { meta, points } }
    }

    fn check_course(&mut self, at: &At, therapy: &raw::RawTherapy) {
        let [min_sessions, max_sessions] = therapy.allowed_sessions;
        let [min_weeks, max_weeks] = therapy.allowed_weeks;
        if min_sessions > max_sessions || min_weeks > max_weeks || min_weeks == 0 {
            self.error(
                at,
                "an allowed range must be [low, high] with low ≤ high and at least a week",
            );
        }
        if !(min_sessions..=max_sessions).contains(&therapy.sessions) {
            self.error(
                at,
                format!(
                    "{} sessions is outside the allowed {min_sessions}..={max_sessions}",
                    therapy.sessions
                ),
            );
        }
        if !(min_weeks..=max_weeks).contains(&therapy.weeks) {
            self.error(
                at,
                format!("{} weeks is outside the allowed {min_weeks}..={max_weeks}", therapy.weeks),
            );
        }
        if therapy.weekly.len() != usize::try_from(therapy.weeks).unwrap_or(usize::MAX) {
            self.error(
                at,
                format!("weekly lists {} weeks, not {}", therapy.weekly.len(), therapy.weeks),
            );
        }
        if therapy.weekly.iter().sum::<u32>() != therapy.sessions {
            self.error(
                at,
                format!(
                    "weekly adds up to {}, not {} sessions",
                    therapy.weekly.iter().sum::<u32>(),
                    therapy.sessions
                ),
            );
        }
        if therapy.weekly.iter().any(|n| *n > 5) {
            self.error(at, "at most one session a weekday: no week can hold more than 5");
        }
    }

    fn instruments(&mut self, file: &raw::InstrumentsFile) -> Instruments {
        let at = At { file: "instruments.toml", line: None, rule: None };
        let odi = &file.odi;
        let mut bands = Vec::new();
        let mut previous: Option<f64> = None;
        for band in &odi.band {
            let code =
                ODI_BANDS.iter().position(|b| *b == band.band).and_then(|i| u8::try_from(i).ok());
            match code {
                Some(code) => bands.push((band.up_to, code)),
                None => self.error(
                    &at,
                    format!("odi: unknown band {} (one of {})", band.band, ODI_BANDS.join(", ")),
                ),
            }
            if previous.is_some_and(|previous| band.up_to <= previous) {
                self.error(&at, "odi: bands must be in ascending order of up_to");
            }
            previous = Some(band.up_to);
        }
        if previous.is_none_or(|last| last < 100.0) {
            self.error(&at, "odi: the last band must reach 100");
        }
        if odi.min_answered == 0 || usize::from(odi.min_answered) > ODI_ITEMS {
            self.error(&at, format!("odi: min_answered must be in 1..={ODI_ITEMS}"));
        }
        let start_back = &file.start_back;
        if start_back.item_loinc.len() != START_BACK_ITEMS {
            self.error(&at, format!("start_back: item_loinc needs {START_BACK_ITEMS} codes"));
        }
        let mut items = BTreeSet::new();
        for item in &start_back.psychosocial_items {
            if *item == 0 || usize::from(*item) > START_BACK_ITEMS || !items.insert(*item) {
                self.error(
                    &at,
                    format!("start_back: psychosocial item {item} is out of range or repeated"),
                );
            }
        }
        if start_back.item9_counts_from > 4 {
            self.error(&at, "start_back: item9_counts_from must be in 0..=4");
        }
        Instruments {
            odi: Odi {
                instrument: self.instrument(
                    &at,
                    "odi",
                    &odi.name,
                    &odi.notice,
                    &odi.loinc,
                    &odi.sources,
                ),
                min_answered: odi.min_answered,
                bands,
            },
            start_back: StartBack {
                instrument: self.instrument(
                    &at,
                    "start_back",
                    &start_back.name,
                    &start_back.notice,
                    &start_back.loinc,
                    &start_back.sources,
                ),
                item_loinc: start_back.item_loinc.clone(),
                item9_counts_from: start_back.item9_counts_from,
                psychosocial_items: start_back.psychosocial_items.clone(),
                low_risk_max_total: start_back.low_risk_max_total,
                high_risk_min_psychosocial: start_back.high_risk_min_psychosocial,
            },
            fabq_work: self.plain_instrument(&at, "fabq_work", &file.fabq_work),
            pain_nrs: self.plain_instrument(&at, "pain_nrs", &file.pain_nrs),
        }
    }

    fn plain_instrument(
        &mut self,
        at: &At,
        id: &'static str,
        raw: &raw::RawInstrument,
    ) -> Instrument {
        self.instrument(at, id, &raw.name, &raw.notice, &raw.loinc, &raw.sources)
    }

    fn instrument(
        &mut self,
        at: &At,
        id: &'static str,
        name: &str,
        notice: &str,
        loinc: &std::collections::BTreeMap<String, String>,
        sources: &[String],
    ) -> Instrument {
        let at = At { rule: Some(name.to_owned()), ..at.clone() };
        Instrument {
            id,
            name: Text::new(name),
            notice: Text::new(notice),
            loinc: loinc.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            sources: self.source_labels(&at, sources),
            encoded: EncodingCache::default(),
        }
    }

    fn predictors(&mut self, predictors: &[raw::RawPredictor]) -> Vec<Predictor> {
        let mut compiled = Vec::new();
        for predictor in predictors {
            let at = self.at("predictors.toml", &predictor.id);
            let meta = self.meta(&at, &predictor.meta());
            let mut ids = BTreeSet::new();
            let criteria = predictor
                .criterion
                .iter()
                .map(|criterion| {
                    if !ids.insert(criterion.id.clone()) {
                        self.error(&at, format!("criterion {} is listed twice", criterion.id));
                    }
                    Criterion {
                        id: criterion.id.clone(),
                        label: criterion.label.clone(),
                        when: self.condition(&at, &criterion.when, Stage::Full),
                    }
                })
                .collect();
            compiled.push(Predictor { meta, output: predictor.output.clone(), criteria });
        }
        compiled
    }

    fn evidence(&mut self, file: &raw::EvidenceFile, escalation: &Escalation) -> Evidence {
        let factors: Vec<(String, String)> =
            file.factor.iter().map(|f| (f.id.clone(), f.label.clone())).collect();
        let mut therapies = Vec::new();
        for therapy in &file.therapy {
            let at = self.at("evidence.toml", &therapy.id);
            for key in therapy.values.keys() {
                if !factors.iter().any(|(id, _)| id == key) {
                    self.error(&at, format!("unknown factor {key}"));
                }
            }
            let values = factors
                .iter()
                .map(|(id, _)| {
                    therapy.values.get(id).cloned().unwrap_or_else(|| {
                        self.error(&at, format!("no value for factor {id}"));
                        String::new()
                    })
                })
                .collect();
            therapies.push(ComparedTherapy {
                id: therapy.id.get_ref().clone(),
                name: therapy.name.clone(),
                values,
            });
        }
        let mut statements = Vec::new();
        for statement in &file.statement {
            let at = self.at("evidence.toml", &statement.id);
            let meta = self.meta(&at, &statement.meta());
            for target in &statement.applies_to {
                let known = self.therapies.contains(target)
                    || escalation.options.iter().any(|o| o.option == *target);
                if !known {
                    self.error(
                        &at,
                        format!(
                            "applies_to: {target} is neither a therapy nor an escalation option"
                        ),
                    );
                }
            }
            statements.push(EvidenceStatement {
                meta,
                applies_to: statement.applies_to.clone(),
                provenance: Text::new(statement.provenance.as_str()),
            });
        }
        Evidence { factors, therapies, statements }
    }

    fn fact(&mut self, at: &At, path: &str) -> Option<FactId> {
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
    fn condition(&mut self, at: &At, raw: &RawCondition, stage: Stage) -> Condition {
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
        let needs_full = ["ref", "red_flag_tier", "contraindicated", "screen_incomplete"];
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
                match self.definitions.iter().position(|d| *d == name) {
                    Some(index) => Condition::Ref(index),
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
                    Some("absolute") => crate::model::ContraindicationClass::Absolute,
                    Some("relative") => crate::model::ContraindicationClass::Relative,
                    other => {
                        self.error(at, format!("contraindicated needs class = \"absolute\" or \"relative\", found {other:?}"));
                        crate::model::ContraindicationClass::Absolute
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
                    "gt" => (Comparison::Gt, raw.gt),
                    "gte" => (Comparison::Gte, raw.gte),
                    "lt" => (Comparison::Lt, raw.lt),
                    _ => (Comparison::Lte, raw.lte),
                };
                Test::Compare(op, bound.unwrap_or_default())
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
fn implies(later: &Condition, earlier: &Condition) -> bool {
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

/// The ISO 8601 duration of an offset (`P0D`, `P6W`, `P3M`, `P1M1W2D`).
pub(crate) fn iso_duration(days: u32, weeks: u32, months: u32) -> String {
    let mut text = String::from("P");
    for (amount, unit) in [(months, 'M'), (weeks, 'W'), (days, 'D')] {
        if amount > 0 {
            text.push_str(&amount.to_string());
            text.push(unit);
        }
    }
    if text.len() == 1 {
        text.push_str("0D");
    }
    text
}
