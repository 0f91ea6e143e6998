//! The timeline's two charts, drawn on the server as SVG by charts-rs over one time axis: the
//! scores (ODI on the left axis, back and leg pain on the right) and, beneath, the course — each
//! therapy phase as a bar (its attended share darker), each follow-up window, each decision a
//! diamond, today a dashed line. No script: they show in print too.

use charts_rs::{
    AxisType, Box as Margin, DEFAULT_FONT_FAMILY, GanttChart, GanttTask, LineChart, Series,
    THEME_LIGHT, YAxisConfig, measure_text_width_family,
};
use discpath_outcomes::Measures;
use jiff::civil::Date;

/// What the charts show, already in the reader's words.
pub(crate) struct Chart {
    /// The measures, by the day they were taken.
    pub measures: Vec<(Date, Measures)>,
    /// The therapy phases: name, first and last session, share attended.
    pub phases: Vec<(String, Date, Date, f32)>,
    /// The follow-up points: name and window.
    pub follow_ups: Vec<(String, Date, Date)>,
    /// The decisions: what, and when.
    pub decisions: Vec<(String, Date)>,
    /// Today.
    pub today: Date,
    /// The series and row names: ODI, back pain, leg pain, follow-ups, decisions.
    pub names: [String; 5],
}

/// The charts' width, in pixels (they scale down with the page).
const WIDTH: f32 = 760.0;
/// The width of the scores' right axis, kept free right of the course too.
const RIGHT_AXIS: f32 = 28.0;
/// The gap charts-rs leaves between a gantt's row names and its plot.
const ROW_NAME_GAP: f32 = 8.0;
/// Outer margins.
const MARGIN: Margin = Margin { left: 10.0, top: 10.0, right: 10.0, bottom: 10.0 };

/// A day as unix seconds at midnight UTC, the charts' time axis.
fn seconds(day: Date) -> f64 {
    day.to_zoned(jiff::tz::TimeZone::UTC).map_or(0.0, |zoned| zoned.timestamp().as_second() as f64)
}

impl Chart {
    /// The width left of both plots: the course's row names (measured as charts-rs measures
    /// them), so the two time axes line up.
    fn left_axis(&self, font_size: f32) -> f32 {
        let rows = self
            .phases
            .iter()
            .map(|(name, ..)| name.as_str())
            .chain((!self.follow_ups.is_empty()).then_some(self.names[3].as_str()))
            .chain((!self.decisions.is_empty()).then_some(self.names[4].as_str()));
        let widest = rows
            .map(|row| {
                measure_text_width_family(DEFAULT_FONT_FAMILY, font_size, row)
                    .map_or(0.0, |b| b.width())
            })
            .fold(0.0, f32::max);
        (widest + ROW_NAME_GAP).max(40.0)
    }

    /// The span both charts show: every dated thing, and today.
    fn span(&self) -> (f64, f64) {
        let days = self
            .measures
            .iter()
            .map(|(day, _)| *day)
            .chain(self.phases.iter().flat_map(|(_, first, last, _)| [*first, *last]))
            .chain(self.follow_ups.iter().flat_map(|(_, opens, closes)| [*opens, *closes]))
            .chain(self.decisions.iter().map(|(_, day)| *day))
            .chain(std::iter::once(self.today));
        let (low, high) = days.fold((f64::MAX, f64::MIN), |(low, high), day| {
            (low.min(seconds(day)), high.max(seconds(day)))
        });
        let pad = ((high - low) * 0.03).max(86_400.0);
        (low - pad, high + pad)
    }

    /// The scores over time.
    pub(crate) fn scores(&self) -> Result<String, String> {
        let x: Vec<f64> = self.measures.iter().map(|(day, _)| seconds(*day)).collect();
        let series = |name: &str, values: Vec<Option<f32>>, axis: usize| {
            let mut series = Series::new_nullable(name.to_owned(), values);
            series.x_values = Some(x.clone());
            series.y_axis_index = axis;
            series.label_show = true;
            series
        };
        let odi = self.measures.iter().map(|(_, m)| m.odi.map(|v| v as f32)).collect();
        let back = self.measures.iter().map(|(_, m)| m.back_pain.map(f32::from)).collect();
        let leg = self.measures.iter().map(|(_, m)| m.leg_pain.map(f32::from)).collect();
        let mut chart = LineChart::new_with_theme(
            vec![
                series(&self.names[0], odi, 0),
                series(&self.names[1], back, 1),
                series(&self.names[2], leg, 1),
            ],
            Vec::new(),
            THEME_LIGHT,
        );
        chart.width = WIDTH;
        chart.height = 320.0;
        chart.margin = MARGIN;
        chart.x_axis.kind = AxisType::Time;
        chart.x_axis.formatter = Some("%Y-%m-%d".to_owned());
        let (low, high) = self.span();
        (chart.x_axis.min, chart.x_axis.max) = (Some(low), Some(high));
        let axis = chart.y_axis_configs.first().cloned().unwrap_or_default();
        let left = self.left_axis(axis.font.size);
        chart.y_axis_configs = vec![
            YAxisConfig {
                min: Some(0.0),
                max: Some(100.0),
                split_number: 5,
                width: Some(left),
                ..axis.clone()
            },
            YAxisConfig {
                min: Some(0.0),
                max: Some(10.0),
                split_number: 5,
                width: Some(RIGHT_AXIS),
                ..axis
            },
        ];
        chart.svg().map_err(|error| error.to_string())
    }

    /// The course: phases, follow-up windows, decisions.
    pub(crate) fn course(&self) -> Result<String, String> {
        let mut tasks = Vec::new();
        for (name, first, last, attended) in &self.phases {
            tasks.push(GanttTask {
                name: name.clone(),
                start: seconds(*first),
                end: seconds(*last) + 86_400.0,
                category: Some(name.clone()),
                progress: Some(*attended),
                ..GanttTask::default()
            });
        }
        for (name, opens, closes) in &self.follow_ups {
            tasks.push(GanttTask {
                name: name.clone(),
                start: seconds(*opens),
                end: seconds(*closes) + 86_400.0,
                row: Some(self.names[3].clone()),
                category: Some(self.names[3].clone()),
                ..GanttTask::default()
            });
        }
        for (name, day) in &self.decisions {
            tasks.push(GanttTask {
                name: name.clone(),
                start: seconds(*day),
                end: seconds(*day),
                row: Some(self.names[4].clone()),
                category: Some(self.names[4].clone()),
                ..GanttTask::default()
            });
        }
        let rows = self.phases.len()
            + usize::from(!self.follow_ups.is_empty())
            + usize::from(!self.decisions.is_empty());
        let mut chart = GanttChart::new_with_theme(tasks, THEME_LIGHT);
        chart.width = WIDTH;
        chart.height = 90.0 + 42.0 * rows as f32;
        chart.margin = Margin { right: MARGIN.right + RIGHT_AXIS, ..MARGIN };
        chart.x_axis.formatter = Some("%Y-%m-%d".to_owned());
        let (low, high) = self.span();
        (chart.x_axis.min, chart.x_axis.max) = (Some(low), Some(high));
        chart.now = Some(seconds(self.today));
        chart.svg().map_err(|error| error.to_string())
    }
}
