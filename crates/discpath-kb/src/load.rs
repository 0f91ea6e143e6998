//! Loading: parse every file, then resolve and check every reference, collecting all problems.
//!
//! Reading order: this module parses the files and holds the [`Compiler`] (rule ids, sources,
//! diagnostics); [`condition`] compiles the condition language; [`rules`] the red flags,
//! screens, contraindications, definitions, pathway and escalation options; [`care_plan`] the
//! courses, plans, reviews and follow-ups; [`instruments`] the scored instruments; [`evidence`]
//! the predictors, notes, comparison and evidence statements; [`patient`] the patient-facing
//! wording of all of these, in every language.

mod care_plan;
mod condition;
mod evidence;
mod instruments;
mod outcomes;
mod patient;
mod rules;

use std::collections::HashMap;

use discpath_model::Pathway;
use serde::Serialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::citations::{MAX_SOURCES, SourceSet};
use crate::diagnostic::{Diagnostic, KbError};
use crate::files::KbFile;
use crate::model::{KnowledgeBase, Note, RuleMeta, Source};
use crate::patient::{Language, PatientTexts};
use crate::raw::{self, RawMeta};
use crate::text::{EncodingCache, Text, TextList};

use self::condition::Stage;

/// The longest label a rule may have: reports print it on one line beside the id.
const MAX_LABEL_CHARS: usize = 80;

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
    "outcomes.toml",
    "patient/en.toml",
    "patient/es.toml",
];

/// Loads and validates a knowledge base from its files.
pub fn load(files: &[KbFile]) -> Result<KnowledgeBase, KbError> {
    let mut diagnostics = Vec::new();
    // A missing patient file is reported with every other problem; the rules cannot be checked
    // without the other files.
    let mut blocking = false;
    for name in FILE_NAMES {
        if !files.iter().any(|f| f.name == *name) {
            let language = Language::ALL.into_iter().find(|l| l.file() == *name);
            let message = language.map_or_else(
                || "file is missing".to_owned(),
                |l| format!("file is missing (the {} patient texts)", l.name()),
            );
            diagnostics.push(file_error(name, None, &message));
            blocking |= language.is_none();
        }
    }
    for file in files {
        if !FILE_NAMES.contains(&file.name.as_str()) {
            let message = format!("unknown file (a knowledge base has {})", FILE_NAMES.join(", "));
            diagnostics.push(file_error(&file.name, None, &message));
            blocking = true;
        }
    }
    if blocking {
        return Err(KbError::Invalid(diagnostics));
    }
    let parsed = Parsed::parse(files, &mut diagnostics);
    let Some(parsed) = parsed else { return Err(KbError::Invalid(diagnostics)) };
    let mut compiler = Compiler::new(files);
    let kb = compiler.compile(parsed, crate::hash::content_hash(files));
    diagnostics.append(&mut compiler.diagnostics);
    if diagnostics.is_empty() { Ok(kb) } else { Err(KbError::Invalid(diagnostics)) }
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
    outcomes: raw::OutcomesFile,
    /// The patient texts, in [`Language::ALL`] order; `None` where the file is missing or does
    /// not parse (already reported).
    patient: [Option<raw::PatientFile>; Language::ALL.len()],
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
        let outcomes = one(files, "outcomes.toml", diagnostics);
        let patient = Language::ALL.map(|language| one(files, language.file(), diagnostics));
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
            outcomes: outcomes?,
            patient,
        })
    }
}

/// Where a rule is, for diagnostics.
#[derive(Clone)]
struct At {
    file: &'static str,
    line: Option<usize>,
    rule: Option<String>,
}

impl At {
    /// A place in a file that is not inside one rule.
    fn file(file: &'static str) -> Self {
        Self { file, line: None, rule: None }
    }
}

/// What the compilation knows so far: the names later rules may refer to, and the problems.
struct Compiler<'f> {
    /// For each file, the byte offset where each line starts.
    line_starts: HashMap<&'f str, Vec<usize>>,
    diagnostics: Vec<Diagnostic>,
    rule_ids: HashMap<String, (String, Option<usize>)>,
    /// Source id → (index, label).
    sources: HashMap<String, (usize, String)>,
    therapies: Vec<String>,
    tiers: Vec<String>,
    categories: Vec<String>,
    /// Definition ids, and whether each reads facts only.
    definitions: Vec<(String, bool)>,
    screens: Vec<String>,
    plans: Vec<String>,
}

impl<'f> Compiler<'f> {
    fn new(files: &'f [KbFile]) -> Self {
        let line_starts = files
            .iter()
            .map(|file| {
                let starts = std::iter::once(0)
                    .chain(file.text.match_indices('\n').map(|(at, _)| at + 1))
                    .collect();
                (file.name.as_str(), starts)
            })
            .collect();
        Self {
            line_starts,
            diagnostics: Vec::new(),
            rule_ids: HashMap::new(),
            sources: HashMap::new(),
            therapies: Vec::new(),
            tiers: Vec::new(),
            categories: Vec::new(),
            definitions: Vec::new(),
            screens: Vec::new(),
            plans: Vec::new(),
        }
    }

    fn at(&self, file: &'static str, id: &Spanned<String>) -> At {
        let line = self.line(file, id.span().start);
        At { file, line: Some(line), rule: Some(id.get_ref().clone()) }
    }

    /// The 1-based line of a byte offset in a file.
    fn line(&self, file: &str, offset: usize) -> usize {
        self.line_starts
            .get(file)
            .map_or(1, |starts| starts.partition_point(|start| *start <= offset).max(1))
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
        self.screens = [&parsed.red_flags.screen, &parsed.contraindications.screen]
            .map(|screen| screen.id.get_ref().clone())
            .to_vec();
        // Definitions first: red flags and contraindications may use those that read facts only.
        let definitions = self.definitions(&parsed.definitions.definition);
        let red_flags = self.red_flags(&parsed.red_flags.flag);
        let red_flag_screen = self.screen(&parsed.red_flags.screen, "red_flags.toml");
        let contraindications = self.contraindications(&parsed.contraindications.contraindication);
        let contraindication_screen =
            self.screen(&parsed.contraindications.screen, "contraindications.toml");
        let screens = vec![red_flag_screen, contraindication_screen];
        let care_plan = self.care_plan(&parsed.care_plan);
        let pathway = self.pathway(&parsed.pathway.rule);
        let escalation = self.escalation(&parsed.escalation);
        let instruments = self.instruments(&parsed.instruments);
        let predictors = self.predictors(&parsed.predictors.predictor);
        let notes = self.notes(&parsed.notes.note);
        let evidence = self.evidence(&parsed.evidence, &escalation);
        let outcomes = self.outcomes(&parsed.outcomes, &care_plan);
        let worded =
            patient::Worded { red_flags: &red_flags, pathway: &pathway, evidence: &evidence };
        let patient = Language::ALL.map(|language| match &parsed.patient[language.index()] {
            Some(file) => self.patient_texts(language, file, &worded),
            None => PatientTexts::empty(language),
        });
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
            pathway,
            escalation,
            care_plan,
            instruments,
            predictors,
            notes,
            evidence,
            outcomes,
            patient,
        }
    }

    fn sources(&mut self, file: &raw::SourcesFile) -> Vec<Source> {
        #[derive(Serialize)]
        struct Listed<'a> {
            id: &'a str,
            label: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            url: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            doi: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            document: Option<&'a str>,
        }
        let mut sources = Vec::new();
        let mut labels: HashMap<&str, &str> = HashMap::new();
        for source in &file.source {
            let at = self.at("sources.toml", &source.id);
            let id = source.id.get_ref().clone();
            let index = sources.len();
            if self.sources.insert(id.clone(), (index, source.label.clone())).is_some() {
                self.error(&at, format!("source {id} is defined twice"));
            }
            if let Some(other) = labels.insert(&source.label, source.id.get_ref()) {
                self.error(&at, format!("source {id} has the label of source {other}"));
            }
            self.check_address(&at, source);
            let listed = Listed {
                id: &id,
                label: &source.label,
                url: source.url.as_deref(),
                doi: source.doi.as_deref(),
                document: source.document.as_deref(),
            };
            sources.push(Source {
                json: serde_json::to_vec(&listed).unwrap_or_default().into_boxed_slice(),
                id,
                label: source.label.clone(),
                citation: source.citation.clone(),
                url: source.url.clone(),
                doi: source.doi.clone(),
                document: source.document.clone(),
            });
        }
        if sources.len() > MAX_SOURCES {
            let message = format!(
                "{} sources: a knowledge base may cite at most {MAX_SOURCES}",
                sources.len()
            );
            self.error(&At::file("sources.toml"), message);
        }
        sources
    }

    /// Every source must say where a reader finds it: a URL, a DOI, or (only for a source with
    /// no public address) a document of this repository.
    fn check_address(&mut self, at: &At, source: &raw::RawSource) {
        if source.url.is_none() && source.doi.is_none() && source.document.is_none() {
            self.error(at, "a source needs a url, a doi or (for a repository document) a document");
        }
        if let Some(url) = &source.url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            self.error(at, format!("url {url} does not start with https:// or http://"));
        }
        if let Some(doi) = &source.doi
            && !(doi.starts_with("10.") && doi.contains('/'))
        {
            self.error(at, format!("doi {doi} is not of the form 10.NNNN/…"));
        }
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
        let label = raw.label.trim();
        if label.is_empty() {
            self.error(at, "the rule has no label");
        } else if label.chars().count() > MAX_LABEL_CHARS || label.contains('\n') {
            self.error(
                at,
                format!("a rule's label is one short line (at most {MAX_LABEL_CHARS} characters)"),
            );
        }
        let (labels, cited) = self.source_labels(at, raw.sources);
        RuleMeta {
            id,
            label: label.to_owned(),
            statement: Text::new(raw.statement.trim()),
            sources: TextList::new(labels),
            certainty: raw.certainty,
            cited,
            head: EncodingCache::default(),
            tail: EncodingCache::default(),
        }
    }

    /// The labels of the sources a rule cites, and the set of their indices.
    fn source_labels(&mut self, at: &At, ids: &[String]) -> (Vec<String>, SourceSet) {
        if ids.is_empty() {
            self.error(
                at,
                "the rule has no source (cite clinical-facts sources or clinic-pathway)",
            );
        }
        let mut cited = SourceSet::default();
        let labels = ids
            .iter()
            .filter_map(|id| {
                let found = self.sources.get(id).cloned();
                match found {
                    Some((index, label)) => {
                        cited.insert(index);
                        Some(label)
                    }
                    None => {
                        self.error(at, format!("unknown source {id}"));
                        None
                    }
                }
            })
            .collect();
        (labels, cited)
    }

    /// A pathway code, or an error naming the known ones.
    fn pathway_code(&mut self, at: &At, code: &str) -> Option<Pathway> {
        let found = Pathway::from_code(code);
        if found.is_none() {
            let known: Vec<&str> = Pathway::ALL.iter().map(|p| p.as_str()).collect();
            self.error(at, format!("unknown pathway {code} (one of {})", known.join(", ")));
        }
        found
    }

    fn notes(&mut self, notes: &[raw::RawNote]) -> Vec<Note> {
        notes
            .iter()
            .map(|note| {
                let at = self.at("notes.toml", &note.id);
                Note {
                    meta: self.meta(&at, &note.meta()),
                    when: self.condition(&at, &note.when, Stage::Full),
                }
            })
            .collect()
    }
}
