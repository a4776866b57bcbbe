//! Validators: cheap checks that run after a detector's regex matched, to reject look-alikes
//! (checksums, Luhn, IBAN mod-97, SSN ranges, Shannon entropy, JWT headers, character mix).
//!
//! In YAML a validator is either a bare name (`- luhn`) or a one-key map with parameters
//! (`- entropy: {min: 3.5}`). Each receives the secret bytes (the `secret` group, or the whole
//! match).

use base64::Engine as _;
use serde::Deserialize;

/// One post-match check.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "serde_yaml::Value")]
pub enum Validator {
    /// Shannon entropy in bits per byte of the secret is at least `min`.
    Entropy { min: f64 },
    /// GitHub `gh?_` tokens: the last 6 base62 characters are the CRC32 of the 30 random ones.
    GithubCrc32,
    /// The digits pass the Luhn checksum (payment cards).
    Luhn,
    /// The digits start with a known card issuer range and have that issuer's length.
    CardIin,
    /// IBAN: known country length and ISO 7064 mod-97 = 1.
    Iban,
    /// US SSN: area not 000, 666 or 900-999; group not 00; serial not 0000.
    Ssn,
    /// JWT: the first segment decodes (base64url) to a JSON object with `alg` or `typ`.
    JwtHeader,
    /// At least `min` of the classes lower-case, upper-case, digit occur in the secret.
    CharClasses { min: u8 },
    /// Phone numbers: the count of digits lies in `min..=max`.
    DigitCount { min: usize, max: usize },
    /// The secret is not a placeholder: not all one character, no `xxxx`, `****`, `<...>`,
    /// `${...}`, `example`, `changeme`, `your_`.
    NotPlaceholder,
}

/// The derived form of [`Validator`], read from a tagged YAML value.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Repr {
    Entropy { min: f64 },
    GithubCrc32,
    Luhn,
    CardIin,
    Iban,
    Ssn,
    JwtHeader,
    CharClasses { min: u8 },
    DigitCount { min: usize, max: usize },
    NotPlaceholder,
}

impl TryFrom<serde_yaml::Value> for Validator {
    type Error = serde_yaml::Error;
    fn try_from(v: serde_yaml::Value) -> Result<Self, Self::Error> {
        Ok(
            match serde_yaml::from_value::<Repr>(super::detector::one_key_map_as_tag(v))? {
                Repr::Entropy { min } => Validator::Entropy { min },
                Repr::GithubCrc32 => Validator::GithubCrc32,
                Repr::Luhn => Validator::Luhn,
                Repr::CardIin => Validator::CardIin,
                Repr::Iban => Validator::Iban,
                Repr::Ssn => Validator::Ssn,
                Repr::JwtHeader => Validator::JwtHeader,
                Repr::CharClasses { min } => Validator::CharClasses { min },
                Repr::DigitCount { min, max } => Validator::DigitCount { min, max },
                Repr::NotPlaceholder => Validator::NotPlaceholder,
            },
        )
    }
}

impl Validator {
    /// Whether `secret` passes.
    pub fn check(&self, secret: &[u8]) -> bool {
        match self {
            Validator::Entropy { min } => shannon_entropy(secret) >= *min,
            Validator::GithubCrc32 => github_crc32(secret),
            Validator::Luhn => luhn(secret),
            Validator::CardIin => card_iin(secret),
            Validator::Iban => iban(secret),
            Validator::Ssn => ssn(secret),
            Validator::JwtHeader => jwt_header(secret),
            Validator::CharClasses { min } => char_classes(secret) >= *min,
            Validator::DigitCount { min, max } => {
                let n = secret.iter().filter(|b| b.is_ascii_digit()).count();
                (*min..=*max).contains(&n)
            }
            Validator::NotPlaceholder => !placeholder(secret),
        }
    }
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 encoding of `n`, left-padded with `0` to `width` characters.
pub fn base62(mut n: u32, width: usize) -> String {
    let mut out = vec![b'0'; width];
    let mut i = width;
    while n > 0 && i > 0 {
        i -= 1;
        out[i] = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out).expect("base62 is ASCII")
}

/// The 6-character checksum GitHub appends to the 30 random characters of a token.
pub fn github_checksum(random: &[u8]) -> String {
    base62(crc32fast::hash(random), 6)
}

fn github_crc32(token: &[u8]) -> bool {
    // `ghp_` + 30 random + 6 checksum.
    let Some(us) = token.iter().position(|&b| b == b'_') else {
        return false;
    };
    let body = &token[us + 1..];
    if body.len() != 36 {
        return false;
    }
    github_checksum(&body[..30]).as_bytes() == &body[30..]
}

fn digits(s: &[u8]) -> Vec<u8> {
    s.iter()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect()
}

/// Luhn checksum over the digits of `s` (other characters ignored).
pub fn luhn(s: &[u8]) -> bool {
    let d = digits(s);
    if d.len() < 2 {
        return false;
    }
    let mut sum = 0u32;
    for (i, &x) in d.iter().rev().enumerate() {
        let mut v = x as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn card_iin(s: &[u8]) -> bool {
    let d = digits(s);
    let n = d.len();
    let prefix = |k: usize| d.iter().take(k).fold(0u32, |acc, &x| acc * 10 + x as u32);
    let (p2, p3, p4, p6) = (prefix(2), prefix(3), prefix(4), prefix(6));
    match d.first() {
        Some(4) => matches!(n, 13 | 16 | 19),              // Visa
        Some(5) if (51..=55).contains(&p2) => n == 16,     // Mastercard
        Some(2) if (2221..=2720).contains(&p4) => n == 16, // Mastercard 2-series
        Some(3) if p2 == 34 || p2 == 37 => n == 15,        // Amex
        Some(3) if (3528..=3589).contains(&p4) => (16..=19).contains(&n), // JCB
        Some(3) if (300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 => {
            (14..=19).contains(&n) // Diners Club
        }
        Some(6)
            if p4 == 6011
                || p2 == 65
                || (644..=649).contains(&p3)
                || (622126..=622925).contains(&p6) =>
        {
            (16..=19).contains(&n) // Discover
        }
        Some(6) if p2 == 62 => (16..=19).contains(&n), // UnionPay
        _ => false,
    }
}

/// IBAN lengths by country (ISO 13616 registry, common countries).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AT", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"CH", 21),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"EE", 20),
    (b"ES", 24),
    (b"FI", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GR", 27),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MC", 27),
    (b"MT", 31),
    (b"NL", 18),
    (b"NO", 15),
    (b"PL", 28),
    (b"PT", 25),
    (b"RO", 24),
    (b"SA", 24),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"TR", 26),
];

/// Length of an IBAN for a country code, if known.
pub fn iban_length(country: &[u8]) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(c, _)| c.as_slice() == country)
        .map(|(_, n)| *n)
}

/// IBAN check: known country, right length, mod-97 = 1 (spaces ignored).
pub fn iban(s: &[u8]) -> bool {
    let compact: Vec<u8> = s.iter().copied().filter(|b| *b != b' ').collect();
    if compact.len() < 15 || !compact.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    if iban_length(&compact[..2]) != Some(compact.len()) {
        return false;
    }
    iban_mod97(&compact) == 1
}

/// ISO 7064 mod-97 of an IBAN (first four characters moved to the end, letters as 10..35).
pub fn iban_mod97(compact: &[u8]) -> u32 {
    let (head, tail) = compact.split_at(4);
    let mut rem = 0u32;
    for &b in tail.iter().chain(head) {
        let v = if b.is_ascii_digit() {
            (b - b'0') as u32
        } else {
            (b.to_ascii_uppercase() - b'A') as u32 + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem
}

fn ssn(s: &[u8]) -> bool {
    let d = digits(s);
    if d.len() != 9 {
        return false;
    }
    let area = d[0] as u32 * 100 + d[1] as u32 * 10 + d[2] as u32;
    let group = d[3] as u32 * 10 + d[4] as u32;
    let serial = d[5..].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

fn jwt_header(s: &[u8]) -> bool {
    let head = s.split(|&b| b == b'.').next().unwrap_or_default();
    let Ok(decoded) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(head) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&decoded) {
        Ok(serde_json::Value::Object(m)) => m.contains_key("alg") || m.contains_key("typ"),
        _ => false,
    }
}

fn char_classes(s: &[u8]) -> u8 {
    let lower = s.iter().any(u8::is_ascii_lowercase) as u8;
    let upper = s.iter().any(u8::is_ascii_uppercase) as u8;
    let digit = s.iter().any(u8::is_ascii_digit) as u8;
    lower + upper + digit
}

fn placeholder(s: &[u8]) -> bool {
    if s.is_empty() || s.iter().all(|&b| b == s[0]) {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    has(b"xxxx")
        || has(b"****")
        || has(b"....")
        || lower.first() == Some(&b'<')
        || lower.starts_with(b"${")
        || lower.starts_with(b"{{")
        || has(b"example")
        || has(b"changeme")
        || has(b"your_")
        || has(b"your-")
        || has(b"placeholder")
        || has(b"redacted")
        || has(b"environ")
        || has(b"getenv")
        || has(b"process.env")
        || lower.starts_with(b"os.")
        || lower.starts_with(b"env.")
        || lower.starts_with(b"env[")
        || lower.starts_with(b"settings.")
        || lower.starts_with(b"config.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_known_good_and_rejects_off_by_one() {
        assert!(luhn(b"4111 1111 1111 1111"));
        assert!(!luhn(b"4111 1111 1111 1112"));
    }

    #[test]
    fn iban_mod97_accepts_registry_examples() {
        assert!(iban(b"DE89 3704 0044 0532 0130 00"));
        assert!(iban(b"GB82WEST12345698765432"));
        assert!(!iban(b"GB82WEST12345698765433"));
        assert!(!iban(b"XX82WEST12345698765432"));
    }

    #[test]
    fn ssn_ranges() {
        assert!(ssn(b"123-45-6789"));
        assert!(!ssn(b"000-45-6789"));
        assert!(!ssn(b"666-45-6789"));
        assert!(!ssn(b"912-45-6789"));
        assert!(!ssn(b"123-00-6789"));
        assert!(!ssn(b"123-45-0000"));
    }

    #[test]
    fn github_checksum_roundtrip() {
        let random = b"aBcDeFgHiJkLmNoPqRsTuVwXyZ0123";
        let token = format!(
            "ghp_{}{}",
            std::str::from_utf8(random).unwrap(),
            github_checksum(random)
        );
        assert!(github_crc32(token.as_bytes()));
        let mut bad = token.into_bytes();
        bad[5] = b'Q';
        assert!(!github_crc32(&bad));
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert!(shannon_entropy(b"aaaaaaaaaaaaaaaa") < 0.1);
        assert!(shannon_entropy(b"x9F2kQ8LmZr4XwP1") > 3.5);
    }

    #[test]
    fn jwt_header_decodes() {
        assert!(jwt_header(b"eyJhbGciOiJIUzI1NiJ9.e30.sig"));
        assert!(!jwt_header(b"eyJub3QiOiJqd3QifQ.e30.sig"));
    }

    #[test]
    fn placeholders_are_recognised() {
        assert!(placeholder(b"your_api_key_here"));
        assert!(placeholder(b"${SECRET}"));
        assert!(!placeholder(b"q8Zr2LmX0pT7"));
    }
}
