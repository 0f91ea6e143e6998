//! The closed vocabulary of the assessment contract (spec/assessment.md, version 2).
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
    /// A short plain label, for lists and summaries (`Leg pain (0–10)`).
    pub label: &'static str,
    /// What the field means, in the contract's words: every form that asks it uses this
    /// wording (and the JSON Schema carries it as the property's `description`).
    pub wording: &'static str,
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

    /// The code of an enumerated value (`"severe"`), without allocating.
    pub fn code(&self, value: Scalar) -> Option<&'static str> {
        match (value, self.ty) {
            (Scalar::Enum(index), ValueType::Enum(codes)) => codes.get(usize::from(index)).copied(),
            _ => None,
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
/// Severe weakness of a myotome (MRC ≤ 3/5) on examination.
pub const SEVERE_MOTOR_WEAKNESS: &[&str] = &["none", "new", "longstanding"];
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

/// The plain label of each diagnosis code, in the order of [`DIAGNOSIS_CODES`].
pub const DIAGNOSIS_LABELS: &[&str] = &[
    "Disc herniation",
    "Disc bulge",
    "Radiculopathy",
    "Degenerative disc disease",
    "Spinal stenosis",
    "Annular tear",
    "Mechanical low back pain",
    "Muscular strain",
    "Movement dysfunction",
    "Post-injury reconditioning",
    "Post-surgical reconditioning",
    "Spondylolisthesis",
];

const _: () = assert!(DIAGNOSIS_LABELS.len() == DIAGNOSIS_CODES.len());

/// The plain label of a diagnosis code (`Disc herniation` for `disc_herniation`).
pub fn diagnosis_label(code: &str) -> Option<&'static str> {
    DIAGNOSIS_CODES.iter().position(|c| *c == code).map(|i| DIAGNOSIS_LABELS[i])
}

/// Plain words for the enumerated values whose code is not a plain word (every other code, such
/// as `severe` or `female`, is its own label).
pub const VALUE_LABELS: &[(&str, &str)] = &[
    ("completed_no_relief", "completed with no relief"),
    ("completed_partial_relief", "completed with partial relief"),
    ("completed_lasting_relief", "completed with lasting relief"),
    ("bed_bound", "bed-bound"),
];

/// The plain words for an enumerated value: its entry in [`VALUE_LABELS`], else the code.
pub fn value_label(code: &str) -> &str {
    VALUE_LABELS.iter().find(|(known, _)| *known == code).map_or(code, |(_, label)| label)
}

/// The ids a recommendation's `missing` may name that are not fields (every other id is a
/// screen item, named after its field), each with its plain label.
pub const MISSING_IDS: &[(&str, &str)] = &[
    ("diagnoses", "A diagnosis"),
    ("imaging_confirmation", "Imaging that confirms the structural diagnosis"),
    ("odi", "An Oswestry Disability Index with at least 8 of its 10 sections answered"),
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
    ($($section:literal . $name:literal : $ty:expr $(, $flag:ident)* => $label:literal, $wording:literal;)*) => {
        /// Every scalar field of the contract, inputs first, then derived scores.
        pub const FIELDS: &[Field] = &[
            $(field(
                $section,
                $name,
                concat!($section, ".", $name),
                $ty,
                &[$(Flag::$flag),*],
                $label,
                $wording,
            ),)*
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
    label: &'static str,
    wording: &'static str,
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
    Field { path, section, name, ty, required, default, origin, label, wording }
}

fields! {
    "patient"."age": ValueType::Integer { min: 18, max: 120 }, Required
        => "Age", "Age in years";
    "patient"."sex": ValueType::Enum(SEX), Required
        => "Sex", "Sex";
    "symptoms"."duration_weeks": ValueType::Number { min: 0.0, max: None }, Required
        => "Weeks since the episode began", "Weeks since this episode of back pain began; for a flare of long-standing pain, how long the pain has lasted in all";
    "symptoms"."back_pain": NRS
        => "Back pain (0–10)", "Back pain now, from 0 (no pain) to 10 (worst imaginable)";
    "symptoms"."leg_pain": NRS
        => "Leg pain (0–10)", "Leg pain now, from 0 (no pain) to 10 (worst imaginable)";
    "symptoms"."pain_below_knee": BOOL
        => "Pain below the knee", "Pain that spreads below the knee";
    "red_flags"."saddle_anesthesia": BOOL
        => "Saddle numbness", "Numbness or tingling around the genitals or back passage (the saddle area), new or worsening within about two weeks";
    "red_flags"."bladder_dysfunction": BOOL
        => "Bladder problems", "Difficulty starting to pass urine, a weak or unfelt flow, or being unable to pass urine, new or worsening within about two weeks";
    "red_flags"."bowel_dysfunction": BOOL
        => "Bowel problems", "Loss of bowel control, or not feeling when the bowel is full, new or worsening within about two weeks";
    "red_flags"."sexual_dysfunction": BOOL
        => "Sexual dysfunction", "Loss of feeling in the genitals, or being unable to get an erection or ejaculate, new or worsening within about two weeks";
    "red_flags"."bilateral_leg_symptoms": BOOL
        => "Symptoms in both legs", "Pain, numbness or weakness in both legs, new or worsening within about two weeks";
    "red_flags"."progressive_weakness": BOOL
        => "Worsening leg weakness", "Weakness in a leg or foot that is getting worse, new or worsening within about two weeks";
    "red_flags"."major_trauma": BOOL
        => "Major trauma", "The pain began with or after a major injury, such as a fall from a height or a road accident";
    "red_flags"."cancer_history": BOOL
        => "History of cancer", "Cancer now or in the past";
    "red_flags"."unexplained_weight_loss": BOOL
        => "Unexplained weight loss", "Losing weight without trying";
    "red_flags"."fever": BOOL
        => "Fever", "A temperature of 38 °C or more, now or within the last two weeks, not explained by another illness";
    "red_flags"."sudden_severe_pain": BOOL
        => "Sudden severe pain", "Sudden, severe pain that is not eased by rest or by changing position";
    "red_flags"."iv_drug_use": BOOL
        => "Injecting drug use", "Injecting drugs into a vein";
    "red_flags"."immunosuppression": BOOL
        => "Immunosuppression", "A weakened immune system, for example from HIV, chemotherapy or drugs that suppress the immune system";
    "red_flags"."prolonged_steroid_use": BOOL
        => "Long-term steroids", "Taking steroid tablets or injections for a long time (for example prednisolone for more than three months)";
    "red_flags"."night_pain": BOOL
        => "Night pain", "Pain at night or at rest that does not ease";
    "red_flags"."pulsatile_abdominal_mass": BOOL
        => "Pulsatile abdominal mass", "A pulsating mass felt in the abdomen on examination";
    "exam"."neurological_deficit": ValueType::Enum(NEUROLOGICAL_DEFICIT)
        => "Neurological deficit", "Neurological deficit on examination (weakness, sensory loss or reflex change): none, stable or progressive";
    "exam"."severe_motor_weakness": ValueType::Enum(SEVERE_MOTOR_WEAKNESS)
        => "Severe motor weakness", "Severe weakness of a muscle group, MRC grade 3/5 or less (for example foot drop): none, new or longstanding";
    "exam"."crossed_slr": BOOL
        => "Crossed straight-leg raise", "Raising the unaffected leg reproduces the symptoms in the painful leg (crossed straight-leg raise)";
    "exam"."peripheralization_with_extension": BOOL
        => "Peripheralization with extension", "Symptoms move further down the leg when the back is extended";
    "imaging"."annular_tear": BOOL
        => "Annular tear on imaging", "Annular tear (fissure) of the disc on imaging";
    "imaging"."disc_height_loss_percent": ValueType::Number { min: 0.0, max: Some(100.0) }
        => "Disc height loss (%)", "Loss of disc height on imaging, in percent";
    "imaging"."stenosis": ValueType::Enum(STENOSIS)
        => "Canal stenosis", "Narrowing of the spinal canal on imaging: none, mild, moderate or severe";
    "imaging"."spondylolisthesis_grade": ValueType::Integer { min: 0, max: 5 }
        => "Spondylolisthesis grade", "Spondylolisthesis (slipped vertebra) grade on imaging, 0 for none";
    "imaging"."extruded_or_sequestered": BOOL
        => "Extruded or sequestered fragment", "An extruded or sequestered (non-contained) disc fragment on imaging";
    "conditions"."pregnancy": BOOL
        => "Pregnancy", "Pregnant now";
    "conditions"."osteoporosis": ValueType::Enum(OSTEOPOROSIS)
        => "Bone density", "Bone density: normal (none), osteopenia, osteoporosis (DXA T-score of −2.5 or lower) or severe osteoporosis (with a fragility fracture)";
    "conditions"."spinal_hardware": BOOL
        => "Lumbar spinal hardware", "Metal implants in the lumbar spine, such as screws, rods, cages or a disc replacement";
    "conditions"."vertebral_fracture": BOOL
        => "Recent or unhealed vertebral fracture", "A fracture of a vertebra that is recent or not yet healed";
    "conditions"."spinal_tumor": BOOL
        => "Malignant spinal tumour", "A malignant spinal tumour or a spinal metastasis, or a spinal tumour under treatment (not an incidental benign finding)";
    "conditions"."spinal_infection": BOOL
        => "Active spinal infection", "An active spinal infection (discitis, vertebral osteomyelitis, epidural abscess)";
    "conditions"."aortic_aneurysm": BOOL
        => "Aortic aneurysm", "A known aneurysm of the abdominal aorta";
    "conditions"."inflammatory_arthritis": BOOL
        => "Inflammatory arthritis", "Rheumatoid arthritis, axial spondyloarthritis or another inflammatory joint or connective tissue disease";
    "conditions"."recent_spine_surgery": BOOL
        => "Spine surgery within 6 months", "Spine surgery within the last six months";
    "conditions"."spinal_instability": BOOL
        => "Spinal instability", "Spinal instability diagnosed by a clinician or on imaging";
    "conditions"."claustrophobia": BOOL
        => "Claustrophobia", "Claustrophobia, or anxiety about being strapped to a treatment table";
    "conditions"."hiatal_hernia": BOOL
        => "Hiatal hernia", "A hiatal hernia";
    "conditions"."severe_cardiorespiratory_disease": BOOL
        => "Severe heart or lung disease", "Heart or lung disease with symptoms at rest or on minimal exertion";
    "conditions"."recent_epidural_injection": BOOL
        => "Spinal injection within 60 days", "Any spinal injection (for example an epidural steroid injection) within the last 60 days";
    "conditions"."cord_or_cauda_compression": BOOL
        => "Cord or cauda equina compression on imaging", "Imaging shows compression of the spinal cord or the cauda equina, including a large central disc herniation";
    "conditions"."anticoagulation": BOOL
        => "Anticoagulation", "Taking an anticoagulant (blood-thinning) medicine";
    "history"."physical_therapy": ValueType::Enum(THERAPY_HISTORY), DefaultNone
        => "Physical therapy so far", "Physical therapy for this episode: none, ongoing, or completed with no, partial or lasting relief";
    "history"."decompression": ValueType::Enum(THERAPY_HISTORY), DefaultNone
        => "Decompression so far", "Spinal decompression therapy for this episode: none, ongoing, or completed with no, partial or lasting relief";
    "work"."manual": BOOL
        => "Manual work", "Work that involves manual labour";
    "questionnaires"."fabq_work": ValueType::Integer { min: 0, max: 42 }
        => "FABQ work subscale", "Fear-Avoidance Beliefs Questionnaire, work subscale total (0–42)";
    "scores"."odi_percent": ValueType::Number { min: 0.0, max: Some(100.0) }, Derived
        => "ODI (%)", "Oswestry Disability Index, percent";
    "scores"."odi_band": ValueType::Enum(ODI_BANDS), Derived
        => "ODI band", "Oswestry Disability Index band";
    "scores"."start_back_total": ValueType::Integer { min: 0, max: 9 }, Derived
        => "STarT Back total", "STarT Back total score (0–9)";
    "scores"."start_back_psychosocial": ValueType::Integer { min: 0, max: 5 }, Derived
        => "STarT Back psychosocial subscale", "STarT Back psychosocial subscale (0–5)";
    "scores"."start_back_risk": ValueType::Enum(START_BACK_RISK), Derived
        => "STarT Back risk", "STarT Back risk group";
}

/// How many fields [`FIELDS`] holds; the size of a fact table.
pub const FIELD_COUNT: usize = FIELDS.len();

// The parser keeps a 128-bit mask of the fields a document names.
const _: () = assert!(FIELD_COUNT <= 128, "the vocabulary outgrew the parser's field mask");

/// The number of items in the Oswestry Disability Index.
pub const ODI_ITEMS: usize = 10;
/// The largest score of one ODI item.
pub const ODI_ITEM_MAX: u8 = 5;
/// The Patient Global Impression of Change, seven points (IMMPACT, Dworkin et al. 2008): the
/// answer to "since the start of your care, how has your back and leg problem changed?".
pub const GLOBAL_CHANGE: &[&str] = &[
    "very_much_improved",
    "much_improved",
    "minimally_improved",
    "no_change",
    "minimally_worse",
    "much_worse",
    "very_much_worse",
];
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
    /// Advice, education and staying active, with a review (contract 2).
    SelfManagement,
}

impl Pathway {
    /// Every pathway, in the spec's order.
    pub const ALL: [Self; 7] = [
        Self::EmergencyReferral,
        Self::UrgentReferral,
        Self::ClinicalEvaluation,
        Self::SpecialistEvaluation,
        Self::DecompressionThenPt,
        Self::PhysicalTherapy,
        Self::SelfManagement,
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
            Self::SelfManagement => "self_management",
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
            Self::SelfManagement => "Self-management with advice and a review",
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
