//! Kubernetes resource quantities (`512Mi`, `2Gi`, `1G`, `500m`, `1.5`, `1e3`), parsed exactly.
//!
//! The grammar is Kubernetes' `resource.Quantity` (spec §3.6):
//!
//! ```text
//! quantity := sign? number suffix
//! number   := digits | digits "." digits? | "." digits
//! suffix   := ""  | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"     (powers of 10)
//!           | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"                        (powers of 1024)
//!           | ("e" | "E") sign? digits                                        (10 to that power)
//! ```
//!
//! Values are kept as whole nano-units (10^-9) in a `u128`, rounded up as Kubernetes rounds anything
//! finer than a nano-unit. That makes comparisons exact: `1Gi` > `1G`, `500m` == `0.5`, with no
//! floating point. Negative quantities are valid Kubernetes syntax but never a sensible size or CPU
//! count, so they are rejected here.

use std::fmt;

/// A parsed quantity: a non-negative amount, exact to a nano-unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity {
    nanos: u128,
}

impl Quantity {
    /// The amount in nano-units (`1` is `1_000_000_000`, `500m` is `500_000_000`).
    pub fn nanos(self) -> u128 {
        self.nanos
    }

    /// A quantity of whole units (`Quantity::from_units(2)` equals `2`).
    pub fn from_units(units: u64) -> Self {
        Quantity { nanos: u128::from(units) * NANOS_PER_UNIT }
    }
}

const NANOS_PER_UNIT: u128 = 1_000_000_000;

/// Why a string is not a quantity. Each message says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("it is empty; write a number with an optional unit, e.g. 512Mi, 2Gi, 500m or 1.5")]
    Empty,
    #[error("it contains a space; write the number and unit together, e.g. `{suggestion}`")]
    Whitespace { suggestion: String },
    #[error("it is negative; write a positive amount, e.g. 512Mi")]
    Negative,
    #[error("it has no number; write a number before the unit, e.g. 1Gi")]
    MissingNumber,
    #[error("`{suffix}` is not a unit; {hint}")]
    UnknownSuffix { suffix: String, hint: String },
    #[error("it is too large to be a real size or CPU count")]
    TooLarge,
}

/// Parses a Kubernetes quantity such as `512Mi`, `2Gi`, `1G`, `500m`, `1.5` or `1e3`.
pub fn parse_quantity(text: &str) -> Result<Quantity, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError::Empty);
    }
    if text.chars().any(char::is_whitespace) {
        let suggestion: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        return Err(QuantityError::Whitespace { suggestion });
    }
    let (negative, unsigned) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // Digits are ASCII, so these byte offsets are character boundaries.
    let int_len = leading_digits(unsigned);
    let after_int = &unsigned[int_len..];
    let (fraction, suffix) = match after_int.strip_prefix('.') {
        Some(rest) => rest.split_at(leading_digits(rest)),
        None => ("", after_int),
    };
    if int_len == 0 && fraction.is_empty() {
        return Err(QuantityError::MissingNumber);
    }
    let scale = scale_of(suffix, &unsigned[..unsigned.len() - suffix.len()])?;
    if negative {
        return Err(QuantityError::Negative);
    }
    to_nanos(&unsigned[..int_len], fraction, scale).map(|nanos| Quantity { nanos })
}

fn leading_digits(text: &str) -> usize {
    text.bytes().take_while(u8::is_ascii_digit).count()
}

/// What a suffix multiplies the number by: `10^pow10 * 2^pow2`.
#[derive(Clone, Copy)]
struct Scale {
    pow10: i64,
    pow2: u32,
}

const DECIMAL_SUFFIXES: [(&str, i64); 10] =
    [("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)];
const BINARY_SUFFIXES: [(&str, u32); 6] = [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60)];

fn scale_of(suffix: &str, number: &str) -> Result<Scale, QuantityError> {
    if let Some(&(_, pow10)) = DECIMAL_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
        return Ok(Scale { pow10, pow2: 0 });
    }
    if let Some(&(_, pow2)) = BINARY_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
        return Ok(Scale { pow10: 0, pow2 });
    }
    // `1e3`, `1E-2`: a decimal exponent. (`1E` alone was matched above as exa.)
    if let Some(exponent) = suffix.strip_prefix(['e', 'E']) {
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return exponent.parse::<i64>().map(|pow10| Scale { pow10, pow2: 0 }).map_err(|_| QuantityError::TooLarge);
        }
    }
    Err(QuantityError::UnknownSuffix { suffix: suffix.to_owned(), hint: suffix_hint(suffix, number) })
}

/// A hint for a unit that is not one: the usual mistakes are `GB`-style units and lower-case `gi`.
fn suffix_hint(suffix: &str, number: &str) -> String {
    let known = || DECIMAL_SUFFIXES.iter().map(|(s, _)| *s).chain(BINARY_SUFFIXES.iter().map(|(s, _)| *s));
    if let Some(unit) = suffix.strip_suffix(['B', 'b']).filter(|unit| !unit.is_empty()) {
        let decimal = unit.to_ascii_uppercase().replace('K', "k");
        let binary = format!("{}i", unit.to_ascii_uppercase());
        if known().any(|s| s == decimal) && known().any(|s| s == binary) {
            return format!("drop the B: write `{number}{decimal}` (powers of 1000) or `{number}{binary}` (powers of 1024)");
        }
    }
    if let Some(right) = known().find(|s| !s.is_empty() && s.eq_ignore_ascii_case(suffix)) {
        return format!("units are case-sensitive: write `{number}{right}`");
    }
    "use Ki, Mi, Gi, Ti (powers of 1024), k, M, G, T (powers of 1000) or m (thousandths), e.g. 512Mi".to_owned()
}

/// `int.fraction * scale` in nano-units, rounded up to a whole nano-unit.
fn to_nanos(int: &str, fraction: &str, scale: Scale) -> Result<u128, QuantityError> {
    let digits = format!("{int}{fraction}");
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    let mantissa: u128 = significant.parse().map_err(|_| QuantityError::TooLarge)?;
    let fraction_len = i64::try_from(fraction.len()).map_err(|_| QuantityError::TooLarge)?;
    // value = mantissa * 2^pow2 * 10^(pow10 - fraction_len); in nanos, nine more powers of ten.
    let pow10 = scale.pow10.saturating_add(9).saturating_sub(fraction_len);
    let scaled = mantissa.checked_mul(1u128 << scale.pow2).ok_or(QuantityError::TooLarge)?;
    if pow10 >= 0 {
        let factor = u32::try_from(pow10).ok().and_then(|p| 10u128.checked_pow(p)).ok_or(QuantityError::TooLarge)?;
        scaled.checked_mul(factor).ok_or(QuantityError::TooLarge)
    } else {
        match u32::try_from(pow10.unsigned_abs()).ok().and_then(|p| 10u128.checked_pow(p)) {
            Some(divisor) => Ok(scaled.div_ceil(divisor)),
            // Smaller than a nano-unit but not zero: rounds up to one nano-unit.
            None => Ok(1),
        }
    }
}

impl fmt::Display for Quantity {
    /// Whole units with an optional decimal fraction (`2147483648`, `0.5`): the exact amount.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = self.nanos / NANOS_PER_UNIT;
        let rest = self.nanos % NANOS_PER_UNIT;
        if rest == 0 {
            write!(f, "{units}")
        } else {
            let fraction = format!("{rest:09}");
            write!(f, "{units}.{}", fraction.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(text: &str) -> u128 {
        parse_quantity(text).map(Quantity::nanos).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    const GI: u128 = 1 << 30;
    const N: u128 = NANOS_PER_UNIT;

    #[test]
    fn valid_quantities_have_exact_values() {
        assert_eq!(nanos("512Mi"), 512 * (1 << 20) * N);
        assert_eq!(nanos("2Gi"), 2 * GI * N);
        assert_eq!(nanos("1G"), 1_000_000_000 * N);
        assert_eq!(nanos("500m"), N / 2);
        assert_eq!(nanos("1.5"), 3 * N / 2);
        assert_eq!(nanos("1e3"), 1000 * N);
        assert_eq!(nanos("1E-3"), N / 1000);
        assert_eq!(nanos("1E"), 1_000_000_000_000_000_000 * N, "a bare E is exa, not an exponent");
        assert_eq!(nanos("0.5Gi"), GI / 2 * N);
        assert_eq!(nanos("1.Ki"), 1024 * N);
        assert_eq!(nanos(".5"), N / 2);
        assert_eq!(nanos("+2"), 2 * N);
        assert_eq!(nanos("0"), 0);
        assert_eq!(nanos("1Ti"), (1u128 << 40) * N);
        assert_eq!(nanos("7Ei"), 7 * (1u128 << 60) * N);
    }

    #[test]
    fn finer_than_a_nano_unit_rounds_up() {
        assert_eq!(nanos("1.5n"), 2);
        assert_eq!(nanos("1e-30"), 1);
        assert_eq!(nanos("0.0000000001"), 1);
    }

    #[test]
    fn comparisons_are_exact() {
        assert!(parse_quantity("1Gi").unwrap() > parse_quantity("1G").unwrap());
        assert_eq!(parse_quantity("500m").unwrap(), parse_quantity("0.5").unwrap());
        assert_eq!(parse_quantity("1024Mi").unwrap(), parse_quantity("1Gi").unwrap());
        assert!(parse_quantity("16Gi").unwrap() > parse_quantity("8Gi").unwrap());
        assert_eq!(parse_quantity("2").unwrap(), Quantity::from_units(2));
    }

    #[test]
    fn invalid_quantities_say_why() {
        assert_eq!(parse_quantity(""), Err(QuantityError::Empty));
        assert_eq!(parse_quantity("1 Gi"), Err(QuantityError::Whitespace { suggestion: "1Gi".into() }));
        assert_eq!(parse_quantity("-1Gi"), Err(QuantityError::Negative));
        assert_eq!(parse_quantity("Gi"), Err(QuantityError::MissingNumber));
        assert_eq!(parse_quantity("."), Err(QuantityError::MissingNumber));
        let Err(QuantityError::UnknownSuffix { suffix, hint }) = parse_quantity("2GB") else { panic!("2GB") };
        assert_eq!(suffix, "GB");
        assert!(hint.contains("`2G`") && hint.contains("`2Gi`"), "{hint}");
        let Err(QuantityError::UnknownSuffix { hint, .. }) = parse_quantity("1gi") else { panic!("1gi") };
        assert!(hint.contains("`1Gi`"), "{hint}");
        let Err(QuantityError::UnknownSuffix { hint, .. }) = parse_quantity("512kb") else { panic!("512kb") };
        assert!(hint.contains("`512k`") && hint.contains("`512Ki`"), "{hint}");
        assert!(matches!(parse_quantity("1e"), Err(QuantityError::UnknownSuffix { .. })));
        assert!(matches!(parse_quantity("1.2.3"), Err(QuantityError::UnknownSuffix { .. })));
        assert!(matches!(parse_quantity("1Gib"), Err(QuantityError::UnknownSuffix { .. })));
    }

    #[test]
    fn huge_quantities_are_errors_not_panics() {
        assert_eq!(parse_quantity("1e99999999999999999999"), Err(QuantityError::TooLarge));
        assert_eq!(parse_quantity("1e40"), Err(QuantityError::TooLarge));
        assert_eq!(parse_quantity(&"9".repeat(60)), Err(QuantityError::TooLarge));
        assert_eq!(parse_quantity("99999999999999999999999Ei"), Err(QuantityError::TooLarge));
    }

    #[test]
    fn display_is_the_exact_amount() {
        assert_eq!(parse_quantity("500m").unwrap().to_string(), "0.5");
        assert_eq!(parse_quantity("1Ki").unwrap().to_string(), "1024");
    }
}
