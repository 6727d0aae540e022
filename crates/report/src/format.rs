//! Text for people: numbers (integers as integers, others to 4 significant figures, thousands
//! grouped from five digits on, so that years and four-digit counts read as they are written)
//! and HTML escaping.

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Digits grouped by thousands (`13,769`) from 10 000 on; `-` kept.
fn grouped(int: &str) -> String {
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    if digits.len() < 5 {
        return int.to_string();
    }
    let mut out = String::from(sign);
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A whole number: rounded, grouped.
pub fn group_digits(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    grouped(&format!("{:.0}", x.round() + 0.0))
}

/// A number: integers as integers, else 4 significant figures (at least, without trailing
/// zeros), thousands grouped.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() || x == x.trunc() {
        return group_digits(x);
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.digits$}");
    match text.split_once('.') {
        // Trailing zeros say nothing: 953.0 is 953, 0.1200 is 0.12.
        Some((int, frac)) if !frac.trim_end_matches('0').is_empty() => {
            format!("{}.{}", grouped(int), frac.trim_end_matches('0'))
        }
        Some((int, _)) => grouped(int),
        None => grouped(&text),
    }
}

/// A share (0–1) as a percentage with one decimal.
pub fn percent(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(1_554_943_557_952.0), "1,554,943,557,952");
        assert_eq!(format_number(0.77781), "0.7778");
        assert_eq!(format_number(-12.345), "-12.35");
        assert_eq!(format_number(367.0), "367");
        assert_eq!(format_number(83.0), "83");
        assert_eq!(format_number(2015.0), "2015");
        assert_eq!(format_number(-1_518_833_733.28), "-1,518,833,733");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(953.022), "953");
        assert_eq!(format_number(0.12001), "0.12");
        assert_eq!(percent(0.1683), "16.8 %");
    }
}
