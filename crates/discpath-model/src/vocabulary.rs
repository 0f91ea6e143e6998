//! The closed vocabulary of the assessment contract (spec/assessment.md, version 1).
//!
//! Every scalar field a document may carry, and every value the engine derives from a document
//! (scores), is one [`Field`] in [`FIELDS`]. The knowledge base names facts by their dotted path
//! (`red_flags.fever`, `scores.start_back_risk`); loading resolves each path to a [`FactId`], so a
//! misspelt fact in a rule is a load error, never a rule that silently reads nothing.

use std::fmt;

/// The type and allowed range of one field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueType {
    /// `true` or `false`.
    Bool,
    /// A whole number within `min..=max`.
    Integer {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A number within `min..=max` (no upper bound when `max` is `None`).
    Number {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value, if any.
        max: Option<f64>,
    },
    /// One of a closed list of codes.
    Enum(&'static [&'static str]),
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool => f.write_str("true or false"),
            Self::Integer { min, max } => write!(f, "an integer in {min}..={max}"),
            Self::Number { min, max: Some(max) } => write!(f, "a number in {min}..={max}"),
            Self::Number { min, max: None } => write!(f, "a number ≥ {min}"),
            Self::Enum(codes) => write!(f, "one of {}", codes.join(", ")),
        }
    }
}

/// A typed value of one field, as stored in an [`crate::Assessment`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    /// A boolean answer.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number that may have a fraction.
    Number(f64),
    /// An enumerated code, as its index in the field's [`ValueType::Enum`] list.
    Enum(u8),
}

impl Scalar {
    /// The numeric value, for integer and number scalars.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            // Contract integers are small (at most 120), so the conversion is exact.
            Self::Int(value) => Some(value as f64),
            Self::Number(value) => Some(value),
            Self::Bool(_) | Self::Enum(_) => None,
        }
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Given in the assessment document.
    Input,
    /// Computed by the engine from the document (scores); never accepted as input.
    Derived,
}

/// One field of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The dotted path, `section.name`.
    pub path: &'static str,
    /// The object the field lives in (`red_flags`).
    pub section: &'static str,
    /// The key inside that object (`fever`).
    pub name: &'static str,
    /// Its type and range.
    pub ty: ValueType,
    /// Whether a document without it is invalid.
    pub required: bool,
    /// The value an absent field takes (`history.*` defaults to `none`), as an enum index.
    pub default: Option<Scalar>,
    /// Whether it is given or derived.
    pub origin: Origin,
}

impl Field {
    /// The text of a value of this field: enum code, number or boolean.
    pub fn render(&self, value: Scalar) -> String {
        match (value, self.ty) {
            (Scalar::Enum(index), ValueType::Enum(codes)) => {
                codes.get(usize::from(index)).map_or_else(|| "?".to_owned(), |c| (*c).to_owned())
            }
            (Scalar::Bool(b), _) => b.to_string(),
            (Scalar::Int(i), _) => i.to_string(),
            (Scalar::Number(n), _) => n.to_string(),
            (Scalar::Enum(index), _) => index.to_string(),
        }
    }

    /// The JSON form of a value of this field.
    pub fn to_json(&self, value: Scalar) -> serde_json::Value {
        match value {
            Scalar::Bool(b) => serde_json::Value::Bool(b),
            Scalar::Int(i) => serde_json::Value::from(i),
            Scalar::Number(n) => serde_json::Value::from(n),
            Scalar::Enum(_) => serde_json::Value::String(self.render(value)),
        }
    }

    /// The index of `code` in this field's enum list.
    pub fn enum_index(&self, code: &str) -> Option<u8> {
        match self.ty {
            ValueType::Enum(codes) => {
                codes.iter().position(|c| *c == code).and_then(|i| u8::try_from(i).ok())
            }
            _ => None,
        }
    }
}

/// The index of a [`Field`] in [`FIELDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactId(u16);

impl FactId {
    /// Resolves a dotted path (`red_flags.fever`) to its id.
    pub fn lookup(path: &str) -> Option<Self> {
        FIELDS.iter().position(|f| f.path == path).and_then(|i| u16::try_from(i).ok()).map(Self)
    }

    /// Resolves a path at compile time: used in constants, where an unknown path fails the build.
    pub const fn of(path: &str) -> Self {
        let mut index = 0;
        while index < FIELDS.len() {
            if const_str_eq(FIELDS[index].path, path) {
                // The vocabulary has far fewer than 65,536 fields.
                return Self(index as u16);
            }
            index += 1;
        }
        panic!("unknown fact path")
    }

    /// The field this id names.
    pub fn field(self) -> &'static Field {
        &FIELDS[usize::from(self.0)]
    }

    /// The position in [`FIELDS`], for array-indexed fact tables.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// The ODI percentage the engine derives.
pub const SCORE_ODI_PERCENT: FactId = FactId::of("scores.odi_percent");
/// The ODI band the engine derives.
pub const SCORE_ODI_BAND: FactId = FactId::of("scores.odi_band");
/// The STarT Back total the engine derives.
pub const SCORE_START_BACK_TOTAL: FactId = FactId::of("scores.start_back_total");
/// The STarT Back psychosocial subscale the engine derives.
pub const SCORE_START_BACK_PSYCHOSOCIAL: FactId = FactId::of("scores.start_back_psychosocial");
/// The STarT Back risk group the engine derives.
pub const SCORE_START_BACK_RISK: FactId = FactId::of("scores.start_back_risk");
/// The FABQ work subscale as given.
pub const FABQ_WORK: FactId = FactId::of("questionnaires.fabq_work");
/// Back pain NRS as given.
pub const BACK_PAIN: FactId = FactId::of("symptoms.back_pain");
/// Leg pain NRS as given.
pub const LEG_PAIN: FactId = FactId::of("symptoms.leg_pain");

/// Neurological examination findings.
pub const NEUROLOGICAL_DEFICIT: &[&str] = &["none", "stable", "progressive"];
/// Imaging stenosis grades.
pub const STENOSIS: &[&str] = &["none", "mild", "moderate", "severe"];
/// Bone density findings.
pub const OSTEOPOROSIS: &[&str] = &["none", "osteopenia", "osteoporosis", "severe"];
/// History of a course of therapy.
pub const THERAPY_HISTORY: &[&str] = &[
    "none",
    "ongoing",
    "completed_no_relief",
    "completed_partial_relief",
    "completed_lasting_relief",
];
/// Patient sex.
pub const SEX: &[&str] = &["female", "male", "other", "unknown"];
/// Oswestry Disability Index bands.
pub const ODI_BANDS: &[&str] = &["minimal", "moderate", "severe", "crippling", "bed_bound"];
/// Keele STarT Back risk groups.
pub const START_BACK_RISK: &[&str] = &["low", "medium", "high"];

/// The diagnosis codes a document may carry in `diagnoses[].code`.
pub const DIAGNOSIS_CODES: &[&str] = &[
    "disc_herniation",
    "disc_bulge",
    "radiculopathy",
    "degenerative_disc_disease",
    "spinal_stenosis",
    "annular_tear",
    "mechanical_low_back_pain",
    "muscular_strain",
    "movement_dysfunction",
    "post_injury_reconditioning",
    "post_surgical_reconditioning",
    "spondylolisthesis",
];

/// The sections (top-level objects) of a document, in the order the spec lists them.
pub const SECTIONS: &[&str] = &[
    "patient",
    "symptoms",
    "red_flags",
    "exam",
    "diagnoses",
    "imaging",
    "conditions",
    "history",
    "work",
    "questionnaires",
    "plan",
];

/// Sections a document must have.
pub const REQUIRED_SECTIONS: &[&str] = &["patient", "symptoms"];

const BOOL: ValueType = ValueType::Bool;
const NRS: ValueType = ValueType::Integer { min: 0, max: 10 };
const NONE_INDEX: Scalar = Scalar::Enum(0);

macro_rules! fields {
    ($($section:literal . $name:literal : $ty:expr $(, $flag:ident)* ;)*) => {
        /// Every scalar field of the contract, inputs first, then derived scores.
        pub const FIELDS: &[Field] = &[
            $(field($section, $name, concat!($section, ".", $name), $ty, &[$(Flag::$flag),*]),)*
        ];
    };
}

#[derive(Clone, Copy, PartialEq)]
enum Flag {
    Required,
    DefaultNone,
    Derived,
}

const fn field(
    section: &'static str,
    name: &'static str,
    path: &'static str,
    ty: ValueType,
    flags: &[Flag],
) -> Field {
    let mut required = false;
    let mut default = None;
    let mut origin = Origin::Input;
    let mut i = 0;
    while i < flags.len() {
        match flags[i] {
            Flag::Required => required = true,
            Flag::DefaultNone => default = Some(NONE_INDEX),
            Flag::Derived => origin = Origin::Derived,
        }
        i += 1;
    }
    Field { path, section, name, ty, required, default, origin }
}

fields! {
    "patient"."age": ValueType::Integer { min: 18, max: 120 }, Required;
    "patient"."sex": ValueType::Enum(SEX), Required;
    "symptoms"."duration_weeks": ValueType::Number { min: 0.0, max: None }, Required;
    "symptoms"."back_pain": NRS;
    "symptoms"."leg_pain": NRS;
    "symptoms"."pain_below_knee": BOOL;
    "red_flags"."saddle_anesthesia": BOOL;
    "red_flags"."bladder_dysfunction": BOOL;
    "red_flags"."bowel_dysfunction": BOOL;
    "red_flags"."progressive_weakness": BOOL;
    "red_flags"."bilateral_leg_symptoms": BOOL;
    "red_flags"."sexual_dysfunction": BOOL;
    "red_flags"."major_trauma": BOOL;
    "red_flags"."pulsatile_abdominal_mass": BOOL;
    "red_flags"."cancer_history": BOOL;
    "red_flags"."unexplained_weight_loss": BOOL;
    "red_flags"."fever": BOOL;
    "red_flags"."iv_drug_use": BOOL;
    "red_flags"."immunosuppression": BOOL;
    "red_flags"."prolonged_steroid_use": BOOL;
    "red_flags"."night_pain": BOOL;
    "exam"."neurological_deficit": ValueType::Enum(NEUROLOGICAL_DEFICIT);
    "exam"."crossed_slr": BOOL;
    "exam"."peripheralization_with_extension": BOOL;
    "imaging"."annular_tear": BOOL;
    "imaging"."disc_height_loss_percent": ValueType::Number { min: 0.0, max: Some(100.0) };
    "imaging"."stenosis": ValueType::Enum(STENOSIS);
    "imaging"."spondylolisthesis_grade": ValueType::Integer { min: 0, max: 5 };
    "imaging"."extruded_or_sequestered": BOOL;
    "conditions"."pregnancy": BOOL;
    "conditions"."osteoporosis": ValueType::Enum(OSTEOPOROSIS);
    "conditions"."spinal_hardware": BOOL;
    "conditions"."vertebral_fracture": BOOL;
    "conditions"."spinal_tumor": BOOL;
    "conditions"."spinal_infection": BOOL;
    "conditions"."aortic_aneurysm": BOOL;
    "conditions"."inflammatory_arthritis": BOOL;
    "conditions"."recent_spine_surgery": BOOL;
    "conditions"."spinal_instability": BOOL;
    "conditions"."claustrophobia": BOOL;
    "conditions"."hiatal_hernia": BOOL;
    "conditions"."severe_cardiorespiratory_disease": BOOL;
    "conditions"."recent_epidural_injection": BOOL;
    "history"."physical_therapy": ValueType::Enum(THERAPY_HISTORY), DefaultNone;
    "history"."decompression": ValueType::Enum(THERAPY_HISTORY), DefaultNone;
    "work"."manual": BOOL;
    "questionnaires"."fabq_work": ValueType::Integer { min: 0, max: 42 };
    "scores"."odi_percent": ValueType::Number { min: 0.0, max: Some(100.0) }, Derived;
    "scores"."odi_band": ValueType::Enum(ODI_BANDS), Derived;
    "scores"."start_back_total": ValueType::Integer { min: 0, max: 9 }, Derived;
    "scores"."start_back_psychosocial": ValueType::Integer { min: 0, max: 5 }, Derived;
    "scores"."start_back_risk": ValueType::Enum(START_BACK_RISK), Derived;
}

/// How many fields [`FIELDS`] holds; the size of a fact table.
pub const FIELD_COUNT: usize = FIELDS.len();

// The parser keeps a 64-bit mask of the fields a document names.
const _: () = assert!(FIELD_COUNT <= 64, "the vocabulary outgrew the parser's field mask");

/// The number of items in the Oswestry Disability Index.
pub const ODI_ITEMS: usize = 10;
/// The largest score of one ODI item.
pub const ODI_ITEM_MAX: u8 = 5;
/// The number of items in the Keele STarT Back Screening Tool.
pub const START_BACK_ITEMS: usize = 9;

/// The decision a recommendation carries (spec: "Output").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pathway {
    /// Stop the conservative pathway: emergency referral.
    EmergencyReferral,
    /// Stop the conservative pathway: urgent referral.
    UrgentReferral,
    /// A clinician must evaluate before a therapy is chosen.
    ClinicalEvaluation,
    /// Conservative care is exhausted or unsuitable: specialist evaluation.
    SpecialistEvaluation,
    /// Spinal decompression therapy, then physical therapy.
    DecompressionThenPt,
    /// Physical therapy.
    PhysicalTherapy,
}

impl Pathway {
    /// Every pathway, in the spec's order.
    pub const ALL: [Self; 6] = [
        Self::EmergencyReferral,
        Self::UrgentReferral,
        Self::ClinicalEvaluation,
        Self::SpecialistEvaluation,
        Self::DecompressionThenPt,
        Self::PhysicalTherapy,
    ];

    /// The contract's code for this pathway.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EmergencyReferral => "emergency_referral",
            Self::UrgentReferral => "urgent_referral",
            Self::ClinicalEvaluation => "clinical_evaluation",
            Self::SpecialistEvaluation => "specialist_evaluation",
            Self::DecompressionThenPt => "decompression_then_pt",
            Self::PhysicalTherapy => "physical_therapy",
        }
    }

    /// Parses a pathway code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == code)
    }

    /// A short title for people.
    pub const fn title(self) -> &'static str {
        match self {
            Self::EmergencyReferral => "Emergency referral",
            Self::UrgentReferral => "Urgent referral",
            Self::ClinicalEvaluation => "Clinical evaluation",
            Self::SpecialistEvaluation => "Specialist evaluation",
            Self::DecompressionThenPt => "Spinal decompression, then physical therapy",
            Self::PhysicalTherapy => "Physical therapy",
        }
    }
}

impl fmt::Display for Pathway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Pathway {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
