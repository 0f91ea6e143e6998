//! Escalation options and their status: offered, excluded (with the rules why) or needing
//! information (with the inputs to answer). An exclusion that cannot be decided never lets an
//! option be offered.

use discpath_model::Pathway;

use crate::assess::Rationale;
use crate::facts::{Facts, Tri};
use crate::inputs::Inputs;
use crate::recommendation::{EscalationStatus, OptionStatus};

/// Every escalation option with its status, when the pathway escalates; otherwise none.
pub(crate) fn escalation<'kb>(
    facts: &Facts<'kb, '_>,
    pathway: Pathway,
    rationale: &mut Rationale<'kb>,
) -> Vec<EscalationStatus<'kb>> {
    let escalation = &facts.kb.escalation;
    if !escalation.applies_to.contains(&pathway) {
        return Vec::new();
    }
    let mut statuses = Vec::with_capacity(escalation.options.len());
    for option in &escalation.options {
        let exclusions: Vec<_> =
            option.excluded_by.iter().filter_map(|i| escalation.exclusions.get(*i)).collect();
        let values: Vec<Tri> =
            exclusions.iter().map(|exclusion| facts.eval(&exclusion.when)).collect();
        let condition = facts.eval(&option.when);

        // The option's entry shows what was checked: its condition and every exclusion.
        let mut inputs = Inputs::default();
        facts.collect_inputs(&option.when, &mut inputs);
        for exclusion in &exclusions {
            facts.collect_inputs(&exclusion.when, &mut inputs);
        }
        rationale.entry(&option.meta, inputs, None);

        let fired: Vec<&'kb str> = exclusions
            .iter()
            .zip(&values)
            .filter(|(_, value)| value.holds())
            .map(|(exclusion, _)| exclusion.meta.id.as_str())
            .collect();
        for (exclusion, value) in exclusions.iter().zip(&values) {
            if value.holds() {
                rationale.rule(facts, &exclusion.meta, &exclusion.when);
            }
        }
        let undecided = condition == Tri::Unknown || values.contains(&Tri::Unknown);
        let (status, rules, unanswered) = if !fired.is_empty() {
            (OptionStatus::Excluded, fired, Vec::new())
        } else if condition == Tri::False {
            (OptionStatus::Excluded, vec![option.meta.id.as_str()], Vec::new())
        } else if undecided {
            let mut unanswered = Vec::new();
            facts.unknown_inputs(&option.when, &mut unanswered);
            for exclusion in &exclusions {
                facts.unknown_inputs(&exclusion.when, &mut unanswered);
            }
            (OptionStatus::NeedsInformation, Vec::new(), unanswered)
        } else {
            (OptionStatus::Offered, Vec::new(), Vec::new())
        };
        statuses.push(EscalationStatus {
            id: &option.option,
            label: &option.label,
            status,
            rules,
            unanswered,
        });
    }
    statuses
}
