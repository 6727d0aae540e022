//! Numbers of the typed summaries read back from summary.json. serde_json writes a NaN (an
//! undefined statistic) as null; these read null back as NaN, so that a summary with an
//! undefined statistic still reads as a whole, and the schema says such a number may be null.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// A number, or NaN where summary.json has null.
pub fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// [`nan_if_null`] for each value of a map.
pub fn nan_if_null_in_map<'de, D, K>(d: D) -> Result<BTreeMap<K, f64>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
{
    let map = BTreeMap::<K, Option<f64>>::deserialize(d)?;
    Ok(map
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}

/// [`nan_if_null_in_map`] for a map that may be absent (null).
pub fn nan_if_null_in_optional_map<'de, D, K>(d: D) -> Result<Option<BTreeMap<K, f64>>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
{
    let map = Option::<BTreeMap<K, Option<f64>>>::deserialize(d)?;
    Ok(map.map(|m| {
        m.into_iter()
            .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
            .collect()
    }))
}

/// [`nan_if_null`] for both ends of an interval that may be absent (null).
pub fn nan_if_null_in_optional_pair<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<[f64; 2]>, D::Error> {
    let pair = Option::<[Option<f64>; 2]>::deserialize(d)?;
    Ok(pair.map(|p| p.map(|v| v.unwrap_or(f64::NAN))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Numbers {
        #[serde(deserialize_with = "nan_if_null")]
        x: f64,
        #[serde(deserialize_with = "nan_if_null_in_map")]
        by_year: BTreeMap<i64, f64>,
        #[serde(deserialize_with = "nan_if_null_in_optional_pair")]
        interval: Option<[f64; 2]>,
    }

    #[test]
    fn null_reads_as_nan_and_numbers_as_themselves() {
        let n: Numbers = serde_json::from_str(
            r#"{"x": null, "by_year": {"2020": 0.5, "2021": null}, "interval": [null, 1.5]}"#,
        )
        .unwrap();
        assert!(n.x.is_nan());
        assert_eq!(n.by_year[&2020], 0.5);
        assert!(n.by_year[&2021].is_nan());
        let [low, high] = n.interval.unwrap();
        assert!(low.is_nan() && high == 1.5);
    }
}
