//! Configuration layering: TOML file, then `OXBOW_*` environment variables, then flags.
//! `OXBOW_MAIL_SMTP_HOST=x` sets `[mail] smtp_host = "x"`; values parse as TOML scalars
//! (numbers, booleans) and fall back to strings.

use anyhow::{Context, Result};
use oxbow_core::config::Config;
use std::path::Path;

const SECTIONS: &[&str] = &["blob", "mail"];
/// Environment variables that are not configuration keys.
const NOT_CONFIG: &[&str] = &["OXBOW_ADMIN_PASSWORD", "OXBOW_LOG"];

pub fn load(file: Option<&Path>) -> Result<Config> {
    let mut table = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            text.parse::<toml::Table>().with_context(|| format!("parsing {}", path.display()))?
        }
        None => toml::Table::new(),
    };
    for (name, value) in std::env::vars() {
        let Some(key) = name.strip_prefix("OXBOW_") else { continue };
        if NOT_CONFIG.contains(&name.as_str()) || name.starts_with("OXBOW_TEST") {
            continue;
        }
        let key = key.to_ascii_lowercase();
        let parsed = parse_scalar(&value);
        match SECTIONS.iter().find(|s| key.starts_with(&format!("{s}_"))) {
            Some(section) => {
                let sub = table
                    .entry(section.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(t) = sub {
                    t.insert(key[section.len() + 1..].to_string(), parsed);
                }
            }
            None => {
                table.insert(key, parsed);
            }
        }
    }
    let config: Config = toml::Value::Table(table).try_into().context("invalid configuration")?;
    Ok(config)
}

fn parse_scalar(raw: &str) -> toml::Value {
    if let Ok(i) = raw.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    match raw {
        "true" => return toml::Value::Boolean(true),
        "false" => return toml::Value::Boolean(false),
        _ => {}
    }
    if raw.starts_with('[') {
        if let Ok(t) = format!("v = {raw}").parse::<toml::Table>() {
            if let Some(v) = t.get("v") {
                return v.clone();
            }
        }
    }
    toml::Value::String(raw.to_string())
}
