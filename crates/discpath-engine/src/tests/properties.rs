//! Properties over random valid documents (and random garbage for the parser):
//! red flags always win, an absolute contraindication never yields decompression, evaluation is
//! deterministic and total, and the parser never panics.

use discpath_model::vocabulary::{DIAGNOSIS_CODES, FIELDS, Origin, ValueType};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

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
/// flags are answered, and false, most of the time, so every pathway is reached.
fn sections() -> impl Strategy<Value = Map<String, Value>> {
    let fields: Vec<_> = FIELDS.iter().filter(|f| f.origin == Origin::Input).collect();
    let strategies: Vec<_> = fields
        .iter()
        .map(|field| {
            let value = if field.section == "red_flags" {
                prop_oneof![29 => Just(Value::Bool(false)), 1 => Just(Value::Bool(true))].boxed()
            } else {
                field_value(field.ty)
            };
            if field.required {
                return value.prop_map(Some).boxed();
            }
            let presence = if field.section == "red_flags" { 0.9 } else { 0.6 };
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

/// A random valid assessment document.
fn document() -> impl Strategy<Value = Value> {
    (
        sections(),
        proptest::option::weighted(0.9, diagnoses()),
        proptest::option::of(odi()),
        proptest::option::of(start_back()),
        proptest::option::of(start_date()),
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
            if let Some(start) = start {
                doc.insert("plan".into(), json!({ "start_date": start }));
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

fn has_tier(rec: &Value, tier: &str) -> bool {
    rec["red_flags"].as_array().unwrap().iter().any(|flag| flag["tier"] == tier)
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
        if rec["red_flags"].as_array().unwrap().is_empty() {
            prop_assert!(rec["pathway"] != "emergency_referral" && rec["pathway"] != "urgent_referral");
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
        // Pregnancy, severe osteoporosis and grade ≥ 2 spondylolisthesis are each absolute.
        let pregnant = doc["conditions"]["pregnancy"] == true;
        let severe = doc["conditions"]["osteoporosis"] == "severe";
        let slipped = doc["imaging"]["spondylolisthesis_grade"].as_i64().is_some_and(|g| g >= 2);
        if pregnant || severe || slipped {
            prop_assert!(absolute);
        }
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
        let pathway = rec["pathway"].as_str().unwrap();
        let has_plan = !rec["care_plan"].is_null();
        prop_assert_eq!(has_plan, pathway == "decompression_then_pt" || pathway == "physical_therapy");
        prop_assert_eq!(!rec["escalation_options"].as_array().unwrap().is_empty(), pathway == "specialist_evaluation");
        let missing: Vec<&str> = rec["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
        let mut sorted = missing.clone();
        sorted.sort_unstable();
        sorted.dedup();
        prop_assert_eq!(&missing, &sorted);
        for list in ["red_flags", "contraindications"] {
            let ids: Vec<&str> = rec[list].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            prop_assert_eq!(&ids, &sorted);
        }
        for phase in rec["care_plan"]["phases"].as_array().cloned().unwrap_or_default() {
            if let Some(dates) = phase["dates"].as_array() {
                prop_assert_eq!(dates.len() as u64, phase["sessions"].as_u64().unwrap());
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
