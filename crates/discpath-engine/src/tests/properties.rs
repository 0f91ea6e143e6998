//! Properties over random valid documents (and random garbage for the parser): red flags
//! always win, an absolute contraindication — or an unanswered one — never yields decompression,
//! an escalation option is offered only when every exclusion was decided, the pathway's rule
//! order holds, evaluation is deterministic and total, and the parser never panics.

use discpath_model::vocabulary::{DIAGNOSIS_CODES, FIELDS, Origin, ValueType};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::assess::{Rationale, prepare};
use crate::facts::Tri;
use crate::tests::KB;

/// A value of one field, within its type and range.
fn field_value(ty: ValueType) -> BoxedStrategy<Value> {
    match ty {
        ValueType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        ValueType::Integer { min, max } => (min..=max).prop_map(Value::from).boxed(),
        ValueType::Number { min, max } => {
            let max = max.unwrap_or(520.0);
            prop_oneof![Just(min), Just(max), min..=max].prop_map(Value::from).boxed()
        }
        ValueType::Enum(codes) => proptest::sample::select(codes).prop_map(Value::from).boxed(),
    }
}

/// Each input field answered with probability about one half, except the required ones; red
/// flags and conditions are answered, and false, most of the time, so every pathway is reached
/// (decompression needs every screen item answered and none of them true).
fn sections() -> impl Strategy<Value = Map<String, Value>> {
    let fields: Vec<_> = FIELDS.iter().filter(|f| f.origin == Origin::Input).collect();
    let strategies: Vec<_> = fields
        .iter()
        .map(|field| {
            let screened = matches!(field.section, "red_flags" | "conditions");
            let value = if screened && field.ty == ValueType::Bool {
                prop_oneof![39 => Just(Value::Bool(false)), 1 => Just(Value::Bool(true))].boxed()
            } else {
                field_value(field.ty)
            };
            if field.required {
                return value.prop_map(Some).boxed();
            }
            let presence = if screened { 0.97 } else { 0.6 };
            proptest::option::weighted(presence, value).boxed()
        })
        .collect();
    strategies.prop_map(move |values| {
        let mut doc = Map::new();
        for (field, value) in fields.iter().zip(values) {
            if let Some(value) = value {
                let section = doc.entry(field.section).or_insert_with(|| json!({}));
                section[field.name] = value;
            }
        }
        doc
    })
}

fn diagnoses() -> impl Strategy<Value = Value> {
    proptest::collection::vec((proptest::sample::select(DIAGNOSIS_CODES), any::<bool>()), 0..3)
        .prop_map(|items| {
            Value::Array(
                items
                    .into_iter()
                    .map(|(code, confirmed)| json!({"code": code, "confirmed_by_imaging": confirmed}))
                    .collect(),
            )
        })
}

fn odi() -> impl Strategy<Value = Value> {
    proptest::collection::vec(proptest::option::weighted(0.85, 0u8..=5), 10)
        .prop_map(|items| json!(items))
}

fn start_back() -> impl Strategy<Value = Value> {
    (proptest::collection::vec(0u8..=1, 8), 0u8..=4).prop_map(|(mut items, last)| {
        items.push(last);
        json!(items)
    })
}

fn start_date() -> impl Strategy<Value = Value> {
    (1900i16..=2999, 1i8..=12, 1i8..=31).prop_filter_map("a real date", |(y, m, d)| {
        jiff::civil::Date::new(y, m, d).ok().map(|date| Value::String(date.to_string()))
    })
}

/// A plan: a start date, and sometimes closed dates in the months after it.
fn plan() -> impl Strategy<Value = Value> {
    (start_date(), proptest::collection::vec(0i64..200, 0..12)).prop_map(|(start, offsets)| {
        let first: jiff::civil::Date =
            start.as_str().unwrap_or_default().parse().unwrap_or_default();
        let closed: Vec<String> = offsets
            .iter()
            .filter_map(|days| first.checked_add(jiff::Span::new().days(*days)).ok())
            .filter(|date| date.year() < 3000)
            .map(|date| date.to_string())
            .collect();
        json!({ "start_date": start, "closed_dates": closed })
    })
}

/// A random valid assessment document.
pub(super) fn document() -> impl Strategy<Value = Value> {
    (
        sections(),
        proptest::option::weighted(0.9, diagnoses()),
        proptest::option::of(odi()),
        proptest::option::weighted(0.8, start_back()),
        proptest::option::of(plan()),
    )
        .prop_map(|(mut doc, diagnoses, odi, start_back, start)| {
            if let Some(diagnoses) = diagnoses {
                doc.insert("diagnoses".into(), diagnoses);
            }
            let questionnaires = doc.entry("questionnaires").or_insert_with(|| json!({}));
            if let Some(odi) = odi {
                questionnaires["odi"] = odi;
            }
            if let Some(start_back) = start_back {
                questionnaires["start_back"] = start_back;
            }
            if let Some(plan) = start {
                doc.insert("plan".into(), plan);
            }
            Value::Object(doc)
        })
}

fn recommend(doc: &Value) -> (String, Value) {
    let parsed = discpath_model::from_value(doc).expect("generated documents are valid");
    let text = serde_json::to_string(&crate::assess(&KB, &parsed)).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

/// Whether a red flag of this tier is reported.
fn has_tier(rec: &Value, tier: &str) -> bool {
    rec["red_flags"].as_array().unwrap().iter().any(|flag| flag["tier"] == tier)
}

/// The `conditions.*` inputs that absolute contraindications to decompression read.
fn absolute_condition_inputs() -> Vec<&'static str> {
    let mut paths = Vec::new();
    for rule in KB
        .contraindications
        .iter()
        .filter(|c| c.class == discpath_kb::ContraindicationClass::Absolute)
    {
        collect_facts(&rule.when, &mut paths);
    }
    paths.retain(|path| path.starts_with("conditions."));
    paths.sort_unstable();
    paths.dedup();
    paths
}

fn collect_facts(condition: &discpath_kb::Condition, out: &mut Vec<&'static str>) {
    use discpath_kb::Condition;
    match condition {
        Condition::All(parts) | Condition::Any(parts) => {
            parts.iter().for_each(|p| collect_facts(p, out))
        }
        Condition::Not(inner) => collect_facts(inner, out),
        Condition::Ref(index) => collect_facts(&KB.definitions[*index].when, out),
        Condition::Fact { fact, .. } => out.push(fact.field().path),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn emergency_flags_always_win(doc in document()) {
        let (_, rec) = recommend(&doc);
        prop_assert_eq!(has_tier(&rec, "emergency"), rec["pathway"] == "emergency_referral");
        // Any emergency flag answered true in the document is reported.
        let answered_emergency = KB.red_flags.iter().filter(|f| KB.tiers[f.tier].id == "emergency").any(|f| {
            doc["red_flags"].get(&f.flag) == Some(&Value::Bool(true))
        });
        if answered_emergency {
            prop_assert_eq!(&rec["pathway"], "emergency_referral");
        }
    }

    #[test]
    fn urgent_flags_win_over_everything_but_emergencies(doc in document()) {
        let (_, rec) = recommend(&doc);
        if has_tier(&rec, "urgent") && !has_tier(&rec, "emergency") {
            prop_assert_eq!(&rec["pathway"], "urgent_referral");
        }
        if !has_tier(&rec, "urgent") && !has_tier(&rec, "emergency") {
            // A caution flag, or none, never stops the pathway.
            prop_assert!(rec["pathway"] != "emergency_referral" && rec["pathway"] != "urgent_referral");
        }
    }

    #[test]
    fn an_emergency_or_urgent_flag_means_a_referral_and_no_decompression(doc in document()) {
        let (_, rec) = recommend(&doc);
        if has_tier(&rec, "emergency") || has_tier(&rec, "urgent") {
            prop_assert!(rec["pathway"] == "emergency_referral" || rec["pathway"] == "urgent_referral");
            prop_assert_eq!(&rec["decompression_candidate"], false);
            prop_assert!(rec["care_plan"].is_null());
        }
    }

    #[test]
    fn an_absolute_contraindication_never_yields_decompression(doc in document()) {
        let (_, rec) = recommend(&doc);
        let absolute = rec["contraindications"].as_array().unwrap().iter()
            .any(|c| c["class"] == "absolute" && c["therapy"] == "decompression");
        if absolute {
            prop_assert!(rec["pathway"] != "decompression_then_pt");
            prop_assert_eq!(&rec["decompression_candidate"], false);
            let phases = rec["care_plan"]["phases"].as_array().cloned().unwrap_or_default();
            prop_assert!(phases.iter().all(|p| p["therapy"] != "decompression"));
        }
        // Pregnancy, osteoporosis and grade ≥ 2 spondylolisthesis are each absolute.
        let pregnant = doc["conditions"]["pregnancy"] == true;
        let osteoporosis = doc["conditions"]["osteoporosis"] == "severe" || doc["conditions"]["osteoporosis"] == "osteoporosis";
        let slipped = doc["imaging"]["spondylolisthesis_grade"].as_i64().is_some_and(|g| g >= 2);
        if pregnant || osteoporosis || slipped {
            prop_assert!(absolute);
        }
    }

    #[test]
    fn an_unanswered_absolute_contraindication_never_yields_decompression(doc in document()) {
        let (_, rec) = recommend(&doc);
        let male = doc["patient"]["sex"] == "male";
        let unanswered = absolute_condition_inputs().into_iter().any(|path| {
            let name = path.trim_start_matches("conditions.");
            doc["conditions"].get(name).is_none() && !(male && name == "pregnancy")
        });
        if unanswered {
            prop_assert!(rec["pathway"] != "decompression_then_pt", "{}", rec["decided_by"]);
        }
    }

    #[test]
    fn an_option_is_offered_only_when_every_exclusion_was_decided(doc in document()) {
        let parsed = discpath_model::from_value(&doc).expect("generated documents are valid");
        let rec = crate::assess(&KB, &parsed);
        let (facts, _, _) = prepare(&KB, &parsed, &mut Rationale::silent());
        for status in rec.escalation_options.iter().filter(|o| o.status == crate::OptionStatus::Offered) {
            let option = KB.escalation.options.iter().find(|o| o.option == status.id).unwrap();
            prop_assert_eq!(facts.eval(&option.when), Tri::True);
            for exclusion in &option.excluded_by {
                let exclusion = &KB.escalation.exclusions[*exclusion];
                prop_assert_eq!(facts.eval(&exclusion.when), Tri::False, "{}", exclusion.meta.id);
            }
        }
        for status in &rec.escalation_options {
            prop_assert_eq!(status.unanswered.is_empty(), status.status != crate::OptionStatus::NeedsInformation);
        }
    }

    #[test]
    fn the_earliest_matching_rule_decides(doc in document()) {
        let parsed = discpath_model::from_value(&doc).expect("generated documents are valid");
        let rec = crate::assess(&KB, &parsed);
        let (facts, _, _) = prepare(&KB, &parsed, &mut Rationale::silent());
        let matching: Vec<usize> = (0..KB.pathway.len()).filter(|i| facts.eval(&KB.pathway[*i].when).holds()).collect();
        let first = matching.first().copied().expect("the last rule always matches");
        prop_assert_eq!(rec.decided_by, KB.pathway[first].meta.id.as_str());
        prop_assert_eq!(rec.pathway, KB.pathway[first].pathway);
        prop_assert!(matching.len() >= 2 || first == KB.pathway.len() - 1);
    }

    #[test]
    fn evaluation_is_deterministic(doc in document()) {
        let (first, _) = recommend(&doc);
        let (second, _) = recommend(&doc);
        prop_assert_eq!(&first, &second);
        // The same document re-serialized (keys reordered) gives the same bytes.
        let reparsed: Value = serde_json::from_str(&doc.to_string()).unwrap();
        let (third, _) = recommend(&reparsed);
        prop_assert_eq!(&first, &third);
    }

    #[test]
    fn recommendations_keep_the_contract(doc in document()) {
        let (_, rec) = recommend(&doc);
        prop_assert_eq!(&rec["contract"], 2);
        let pathway = rec["pathway"].as_str().unwrap();
        let has_plan = !rec["care_plan"].is_null();
        prop_assert_eq!(has_plan, matches!(pathway, "decompression_then_pt" | "physical_therapy" | "self_management"));
        prop_assert_eq!(!rec["escalation_options"].as_array().unwrap().is_empty(), pathway == "specialist_evaluation");
        prop_assert_eq!(&rec["decompression_candidate"], &Value::Bool(pathway == "decompression_then_pt"));
        if pathway != "decompression_then_pt" {
            prop_assert_eq!(&rec["predictors"], &json!({}));
        }
        let missing: Vec<&str> = rec["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
        let mut sorted = missing.clone();
        sorted.sort_unstable();
        sorted.dedup();
        prop_assert_eq!(&missing, &sorted);
        let ids: Vec<&str> = rec["contraindications"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        prop_assert_eq!(&ids, &sorted);
        // Red flags: the most urgent tier first, then in the knowledge base's order.
        let rank = |tier: &str| KB.tiers.iter().position(|t| t.id == tier).unwrap();
        let position = |id: &str| KB.red_flags.iter().position(|f| f.flag == id).unwrap();
        let flags: Vec<(usize, usize)> = rec["red_flags"].as_array().unwrap().iter()
            .map(|f| (rank(f["tier"].as_str().unwrap()), position(f["id"].as_str().unwrap()))).collect();
        let mut sorted = flags.clone();
        sorted.sort_unstable();
        prop_assert_eq!(&flags, &sorted);
        let closed: Vec<&str> = doc["plan"]["closed_dates"].as_array().map(|d| d.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        for phase in rec["care_plan"]["phases"].as_array().cloned().unwrap_or_default() {
            if let Some(dates) = phase["dates"].as_array() {
                prop_assert_eq!(dates.len() as u64, phase["sessions"].as_u64().unwrap());
                let dates: Vec<&str> = dates.iter().map(|d| d.as_str().unwrap()).collect();
                prop_assert!(dates.windows(2).all(|pair| pair[0] < pair[1]), "one session a day");
                prop_assert!(dates.iter().all(|d| !closed.contains(d)), "a session on a closed date");
            }
        }
        for dated in rec["care_plan"]["follow_ups"].as_array().cloned().unwrap_or_default() {
            if let Some(date) = dated["date"].as_str() {
                prop_assert!(!closed.contains(&date));
                let day: jiff::civil::Date = date.parse().unwrap();
                prop_assert!(!matches!(day.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday));
            }
        }
        prop_assert!(rec["rationale"].as_array().unwrap().iter().any(|e| e["rule"] == rec["decided_by"]));
    }

    #[test]
    fn garbage_never_panics_the_parser(text in ".{0,400}") {
        let _ = discpath_model::parse(&text);
    }

    #[test]
    fn mutated_documents_never_panic(doc in document(), edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = doc.to_string().into_bytes();
        for (index, byte) in edits {
            let at = index.index(bytes.len());
            bytes[at] = byte;
        }
        if let Ok(text) = String::from_utf8(bytes)
            && let Ok(parsed) = discpath_model::parse(&text)
        {
            let _ = serde_json::to_string(&crate::assess(&KB, &parsed)).unwrap();
        }
    }

    #[test]
    fn arbitrary_json_never_panics_validation(value in arbitrary_json()) {
        match discpath_model::from_value(&value) {
            Ok(doc) => { let _ = crate::assess(&KB, &doc); }
            Err(invalid) => prop_assert!(!invalid.errors.is_empty()),
        }
    }
}

/// The rule order is not vacuous: vignettes that match two pathway rules get the earlier one.
#[test]
fn a_document_matching_two_rules_gets_the_earlier_one() {
    let cases = [
        // A cancer emergency with an incomplete screen: emergency (rule 1), not the screen rule.
        (
            json!({"red_flags": {"cancer_history": true, "bladder_dysfunction": null}, "symptoms": {"pain_below_knee": true}}),
            "pathway.red_flag.emergency",
        ),
        // PT ongoing and decompression ongoing: the PT rule is first.
        (
            json!({"history": {"physical_therapy": "ongoing", "decompression": "ongoing"}}),
            "pathway.physical_therapy.ongoing",
        ),
        // Decompression failed and contraindicated: rule 20 comes before rule 21.
        (
            json!({"history": {"decompression": "completed_no_relief"}, "conditions": {"pregnancy": true}}),
            "pathway.structural.complete_sequence",
        ),
    ];
    for (edits, expected) in cases {
        let mut doc = crate::tests::base_document();
        for (section, values) in edits.as_object().unwrap() {
            for (key, value) in values.as_object().unwrap() {
                if value.is_null() {
                    doc[section.as_str()].as_object_mut().unwrap().remove(key);
                } else {
                    doc[section.as_str()][key.as_str()] = value.clone();
                }
            }
        }
        let parsed = discpath_model::from_value(&doc).unwrap();
        let (facts, _, _) = prepare(&KB, &parsed, &mut Rationale::silent());
        let matching = KB.pathway.iter().filter(|rule| facts.eval(&rule.when).holds()).count();
        assert!(matching >= 2, "{expected}: only {matching} rule matches");
        assert_eq!(crate::assess(&KB, &parsed).decided_by, expected);
    }
}

/// Arbitrary JSON, biased towards the contract's keys so that validation goes deep.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let keys: Vec<&'static str> = FIELDS
        .iter()
        .flat_map(|f| [f.section, f.name])
        .chain([
            "diagnoses",
            "code",
            "confirmed_by_imaging",
            "odi",
            "start_back",
            "plan",
            "start_date",
            "x",
        ])
        .collect();
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (-3i64..130).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        proptest::sample::select(DIAGNOSIS_CODES).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 10, move |inner| {
        let keys = keys.clone();
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..12).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(keys), inner), 0..12).prop_map(
                |entries| Value::Object(
                    entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                )
            ),
        ]
    })
}
