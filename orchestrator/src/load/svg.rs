//! Just enough SVG to plot a load run: axes with round ticks, lines, dots and steps. Written by
//! hand because nothing outside this machine can be fetched at view time (no CDN), and a
//! report must open from a file.

use std::fmt::Write;

/// How a series is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Line,
    Dots,
    /// A staircase: the value holds until the next point.
    Steps,
}

/// One named set of points.
pub struct Series<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub mark: Mark,
    pub points: Vec<(f64, f64)>,
}

// Canvas size and plot margins, in SVG units.
const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 44.0;

/// A round step giving about five ticks over `span`.
fn tick_step(span: f64) -> f64 {
    let raw = (span / 5.0).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let nice = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

fn label(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}").trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// An `<svg>` chart; axes start at zero and end at a round tick above the largest value.
pub fn chart(title: &str, x_label: &str, y_label: &str, series: &[Series<'_>]) -> String {
    let all = || series.iter().flat_map(|s| s.points.iter());
    let max_x = all().map(|p| p.0).fold(0.0, f64::max);
    let max_y = all().map(|p| p.1).fold(0.0, f64::max);
    let (sx, sy) = (tick_step(max_x), tick_step(max_y));
    let (top_x, top_y) = (((max_x / sx).ceil() * sx).max(sx), ((max_y / sy).ceil() * sy).max(sy));
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let x = |v: f64| LEFT + v / top_x * pw;
    let y = |v: f64| TOP + ph - v / top_y * ph;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(out, r#"<text x="{LEFT}" y="20" class="title">{}</text>"#, escape(title));
    let mut v = 0.0;
    while v <= top_y + sy / 2.0 {
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" class="grid"/><text x="{}" y="{:.1}" class="tick" text-anchor="end">{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            label(v),
            yy = y(v)
        );
        v += sy;
    }
    let mut v = 0.0;
    while v <= top_x + sx / 2.0 {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"#,
            x(v),
            H - BOTTOM + 16.0,
            label(v)
        );
        v += sx;
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{}" class="axis" text-anchor="middle">{}</text>"#,
        LEFT + pw / 2.0,
        H - 8.0,
        escape(x_label)
    );
    let _ = write!(
        out,
        r#"<text x="14" y="{:.1}" class="axis" text-anchor="middle" transform="rotate(-90 14 {:.1})">{}</text>"#,
        TOP + ph / 2.0,
        TOP + ph / 2.0,
        escape(y_label)
    );
    for (i, s) in series.iter().enumerate() {
        let pts = |points: &[(f64, f64)]| {
            points.iter().map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1))).collect::<Vec<_>>().join(" ")
        };
        match s.mark {
            Mark::Line => {
                let _ = write!(
                    out,
                    r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
                    pts(&s.points),
                    s.color
                );
            }
            Mark::Steps => {
                let mut stairs = Vec::new();
                for w in s.points.windows(2) {
                    stairs.extend([w[0], (w[1].0, w[0].1)]);
                }
                stairs.extend(s.points.last());
                let _ = write!(
                    out,
                    r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
                    pts(&stairs),
                    s.color
                );
            }
            Mark::Dots => {
                for p in &s.points {
                    let _ = write!(
                        out,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="2.2" fill="{}" fill-opacity="0.7"/>"#,
                        x(p.0),
                        y(p.1),
                        s.color
                    );
                }
            }
        }
        let lx = LEFT + 10.0 + i as f64 * 170.0;
        let _ = write!(
            out,
            r#"<rect x="{lx}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" class="legend">{}</text>"#,
            TOP - 2.0,
            s.color,
            lx + 14.0,
            TOP + 7.0,
            escape(s.name)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(10.0), 2.0);
        assert_eq!(tick_step(47.0), 10.0);
        assert_eq!(tick_step(0.3), 0.1);
        assert_eq!(tick_step(1200.0), 500.0);
    }

    #[test]
    fn chart_has_every_series_and_escapes_text() {
        let s = [
            Series { name: "a<b", color: "#123", mark: Mark::Line, points: vec![(0.0, 1.0), (2.0, 3.0)] },
            Series { name: "dots", color: "#456", mark: Mark::Dots, points: vec![(1.0, 1.0)] },
            Series { name: "steps", color: "#789", mark: Mark::Steps, points: vec![(0.0, 0.0), (1.0, 2.0)] },
        ];
        let svg = chart("t & u", "x", "y", &s);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("t &amp; u") && svg.contains("a&lt;b"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 1);
    }

    #[test]
    fn an_empty_chart_still_renders() {
        let svg = chart("empty", "x", "y", &[]);
        assert!(svg.contains("empty") && !svg.contains("NaN") && !svg.contains("inf"));
    }
}
