//! The three encodings of numbers-as-time in the OX API (introduction, "Date and time"):
//! Date (UTC midnight), Time (shifted by the user's or the requested time zone) and
//! Timestamp (raw UTC milliseconds, strictly increasing per context).

use chrono::{Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Current UTC time in milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Parse an IANA zone name; `None` for unknown names.
pub fn parse_tz(name: &str) -> Option<Tz> {
    // Clients also write zone names in other cases (App Suite sends `timezone=utc`).
    name.parse::<Tz>().ok().or_else(|| chrono_tz::TZ_VARIANTS.iter().copied().find(|z| z.name().eq_ignore_ascii_case(name)))
}

/// Offset in milliseconds of `tz` against UTC at the UTC instant `utc_ms`.
pub fn offset_at(tz: Tz, utc_ms: i64) -> i64 {
    match tz.timestamp_millis_opt(utc_ms) {
        chrono::LocalResult::Single(dt) | chrono::LocalResult::Ambiguous(dt, _) => {
            dt.offset().fix().local_minus_utc() as i64 * 1000
        }
        chrono::LocalResult::None => 0,
    }
}

/// UTC → wire `Time` (UTC plus the zone's offset at that instant).
pub fn to_wire_time(utc_ms: i64, tz: Tz) -> i64 {
    utc_ms + offset_at(tz, utc_ms)
}

/// Wire `Time` → UTC. The offset is looked up at the shifted instant and corrected once,
/// which is exact except inside the skipped hour of a DST change.
pub fn from_wire_time(wire_ms: i64, tz: Tz) -> i64 {
    let guess = wire_ms - offset_at(tz, wire_ms);
    wire_ms - offset_at(tz, guess)
}

/// Truncate to UTC midnight (wire `Date`).
pub fn to_wire_date(utc_ms: i64) -> i64 {
    utc_ms.div_euclid(86_400_000) * 86_400_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_round_trip() {
        let tz = parse_tz("Europe/Berlin").unwrap();
        let summer = 1_719_835_200_000; // 2024-07-01T12:00Z
        assert_eq!(to_wire_time(summer, tz), summer + 7_200_000);
        assert_eq!(from_wire_time(to_wire_time(summer, tz), tz), summer);
        let winter = 1_704_110_400_000; // 2024-01-01T12:00Z
        assert_eq!(to_wire_time(winter, tz), winter + 3_600_000);
        assert_eq!(to_wire_date(summer + 5), 1_719_792_000_000);
    }
}
