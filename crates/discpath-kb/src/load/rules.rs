//! The rules that decide: tiers, categories, red flags, screens, contraindications,
//! definitions, the pathway and the escalation options.

use std::collections::{BTreeSet, HashMap};

use discpath_model::vocabulary::DIAGNOSIS_CODES;
use discpath_model::{DiagnosisCode, Pathway};
use serde::Serialize;

use super::condition::{Stage, implies};
use super::{At, Compiler};
use crate::diagnostic::Diagnostic;
use crate::model::{
    Category, Condition, Contraindication, Definition, Escalation, EscalationOption, Exclusion,
    PathwayRule, RedFlag, Screen, ScreenItem, Tier,
};
use crate::raw::{self, RawScreen};
use crate::text::Text;

impl Compiler<'_> {
    pub(super) fn tiers(&mut self, tiers: &[raw::RawTier]) -> Vec<Tier> {
        let mut compiled = Vec::new();
        for tier in tiers {
            let id = tier.id.get_ref().clone();
            if self.tiers.contains(&id) {
                let at = self.at("red_flags.toml", &tier.id);
                self.error(&at, format!("tier {id} is defined twice"));
            }
            self.tiers.push(id.clone());
            let input_key = format!("red_flags ({id})");
            compiled.push(Tier {
                id,
                title: tier.title.clone(),
                action: tier.action.clone(),
                input_key,
            });
        }
        compiled
    }

    pub(super) fn categories(&mut self, categories: &[raw::RawCategory]) -> Vec<Category> {
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
                let at = At::file("diagnoses.toml");
                self.error(&at, format!("diagnosis code {code} is in no category"));
            }
        }
        compiled
    }

    pub(super) fn red_flags(&mut self, flags: &[raw::RawRedFlag]) -> Vec<RedFlag> {
        #[derive(Serialize)]
        struct Finding<'a> {
            id: &'a str,
            tier: &'a str,
            label: &'a str,
            advice: &'a str,
        }
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
            self.check_texts(&at, &[("label", &flag.label), ("advice", &flag.advice)]);
            let when = self.condition(&at, &flag.when, Stage::Facts);
            let finding = Finding {
                id: &flag.flag,
                tier: &flag.tier,
                label: flag.label.trim(),
                advice: flag.advice.trim(),
            };
            compiled.push(RedFlag {
                meta,
                flag: flag.flag.clone(),
                tier,
                label: Text::new(flag.label.trim()),
                advice: Text::new(flag.advice.trim()),
                when,
                json: encode(&finding),
            });
        }
        compiled
    }

    /// Reports each named text that is empty.
    fn check_texts(&mut self, at: &At, texts: &[(&str, &str)]) {
        for (name, text) in texts {
            if text.trim().is_empty() {
                self.error(at, format!("{name} is empty"));
            }
        }
    }

    pub(super) fn screen(&mut self, screen: &RawScreen, file: &'static str) -> Screen {
        let at = self.at(file, &screen.id);
        let meta = self.meta(&at, &screen.meta());
        let mut items = Vec::new();
        let mut ids = BTreeSet::new();
        for item in &screen.require {
            let fact = self.fact(&at, &item.fact);
            let id = item
                .id
                .clone()
                .unwrap_or_else(|| item.fact.rsplit('.').next().unwrap_or_default().to_owned());
            if !ids.insert(id.clone()) {
                self.error(&at, format!("screen item {id} is listed twice"));
            }
            let unless = item.unless.as_ref().map(|c| self.condition(&at, c, Stage::Facts));
            if let Some(fact) = fact {
                items.push(ScreenItem { id, fact, unless });
            }
        }
        let input_key = format!("{} (unanswered)", meta.id);
        Screen { meta, items, input_key }
    }

    pub(super) fn contraindications(
        &mut self,
        rules: &[raw::RawContraindication],
    ) -> Vec<Contraindication> {
        #[derive(Serialize)]
        struct Finding<'a> {
            id: &'a str,
            therapy: &'a str,
            class: &'a str,
            label: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            advice: Option<&'a str>,
        }
        let mut names = BTreeSet::new();
        let mut compiled = Vec::new();
        for rule in rules {
            let at = self.at("contraindications.toml", &rule.id);
            let meta = self.meta(&at, &rule.meta());
            let therapy = self.therapy(&at, &rule.therapy);
            if !names.insert((rule.name.clone(), rule.therapy.clone())) {
                self.error(&at, format!("contraindication {} is reported by two rules", rule.name));
            }
            self.check_texts(&at, &[("label", &rule.label)]);
            let when = self.condition(&at, &rule.when, Stage::Facts);
            let advice = rule.advice.as_deref().map(str::trim);
            let finding = Finding {
                id: &rule.name,
                therapy: &rule.therapy,
                class: rule.class.as_str(),
                label: rule.label.trim(),
                advice,
            };
            compiled.push(Contraindication {
                meta,
                name: rule.name.clone(),
                therapy,
                class: rule.class,
                label: Text::new(rule.label.trim()),
                advice: advice.map(Text::new),
                when,
                json: encode(&finding),
            });
        }
        compiled
    }

    pub(super) fn therapy(&mut self, at: &At, therapy: &str) -> usize {
        self.therapies.iter().position(|t| t == therapy).unwrap_or_else(|| {
            self.error(
                at,
                format!("unknown therapy {therapy} (care_plan.toml defines the therapies)"),
            );
            0
        })
    }

    pub(super) fn definitions(&mut self, definitions: &[raw::RawDefinition]) -> Vec<Definition> {
        let mut compiled = Vec::new();
        for definition in definitions {
            let at = self.at("definitions.toml", &definition.id);
            let meta = self.meta(&at, &definition.meta());
            // Compiled before it is named, so a definition can only refer to earlier ones: no cycles.
            let when = self.condition(&at, &definition.when, Stage::Full);
            let facts_only = self.facts_only(&when);
            self.definitions.push((meta.id.clone(), facts_only));
            compiled.push(Definition { meta, when, facts_only });
        }
        compiled
    }

    pub(super) fn pathway(&mut self, rules: &[raw::RawPathwayRule]) -> Vec<PathwayRule> {
        let mut compiled: Vec<(At, PathwayRule)> = Vec::new();
        for rule in rules {
            let at = self.at("pathway.toml", &rule.id);
            let meta = self.meta(&at, &rule.meta());
            let when = self.condition(&at, &rule.when, Stage::Full);
            let pathway =
                self.pathway_code(&at, &rule.pathway).unwrap_or(Pathway::ClinicalEvaluation);
            let missing_screen = rule.missing_screen.as_ref().and_then(|screen| {
                let found = self.screens.iter().position(|s| s == screen);
                if found.is_none() {
                    self.error(&at, format!("unknown screen {screen}"));
                }
                found
            });
            let missing_if = rule
                .missing_if
                .iter()
                .map(|item| (item.id.clone(), self.condition(&at, &item.when, Stage::Full)))
                .collect();
            let plan = rule.plan.as_ref().and_then(|plan| {
                let found = self.plans.iter().position(|p| p == plan);
                if found.is_none() {
                    self.error(
                        &at,
                        format!("unknown plan {plan} (care_plan.toml defines the plans)"),
                    );
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
                missing_if,
                plan,
                advice: rule.advice.as_deref().map(|advice| Text::new(advice.trim())),
            };
            compiled.push((at, compiled_rule));
        }
        match compiled.last() {
            Some((_, last)) if last.when == Condition::Always => {}
            Some((at, _)) => {
                let at = at.clone();
                self.error(&at, "the last pathway rule must be `when = { always = true }`, so that every document gets a pathway");
            }
            None => self.error(&At::file("pathway.toml"), "the pathway has no rules"),
        }
        compiled.into_iter().map(|(_, rule)| rule).collect()
    }

    pub(super) fn escalation(&mut self, file: &raw::EscalationFile) -> Escalation {
        let file_at = At::file("escalation.toml");
        let applies_to =
            file.applies_to.iter().filter_map(|code| self.pathway_code(&file_at, code)).collect();
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
            self.check_texts(&at, &[("label", &option.label)]);
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
                label: Text::new(option.label.trim()),
                when,
                excluded_by,
            });
        }
        options.sort_by(|a, b| a.option.cmp(&b.option));
        Escalation { applies_to, options, exclusions }
    }
}

/// A finding's JSON, as the recommendation lists it (a struct of strings always encodes).
fn encode<T: Serialize>(finding: &T) -> Box<[u8]> {
    serde_json::to_vec(finding).unwrap_or_default().into_boxed_slice()
}
