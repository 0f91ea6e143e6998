//! What informs the recommendation without deciding it: prediction rules, the therapy
//! comparison and the evidence statements.

use std::collections::BTreeSet;

use discpath_model::Pathway;

use super::Compiler;
use super::condition::Stage;
use crate::model::{
    ComparedTherapy, Criterion, Escalation, Evidence, EvidenceStatement, Predictor,
};
use crate::raw;
use crate::text::Text;

impl Compiler<'_> {
    pub(super) fn predictors(&mut self, predictors: &[raw::RawPredictor]) -> Vec<Predictor> {
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
            let applies_to = predictor
                .applies_to
                .iter()
                .filter_map(|code| self.pathway_code(&at, code))
                .collect();
            compiled.push(Predictor {
                meta,
                output: predictor.output.clone(),
                applies_to,
                criteria,
            });
        }
        compiled
    }

    pub(super) fn evidence(
        &mut self,
        file: &raw::EvidenceFile,
        escalation: &Escalation,
    ) -> Evidence {
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
                    || escalation.options.iter().any(|o| o.option == *target)
                    || Pathway::from_code(target).is_some();
                if !known {
                    let message = format!(
                        "applies_to: {target} is not a therapy, an escalation option or a pathway"
                    );
                    self.error(&at, message);
                }
            }
            let when = statement.when.as_ref().map(|when| self.condition(&at, when, Stage::Full));
            statements.push(EvidenceStatement {
                meta,
                applies_to: statement.applies_to.clone(),
                provenance: Text::new(statement.provenance.as_str()),
                when,
            });
        }
        // Highest certainty first; a stable sort keeps the file's order within a certainty.
        statements.sort_by_key(|statement| statement.meta.certainty);
        Evidence { factors, therapies, statements }
    }
}
