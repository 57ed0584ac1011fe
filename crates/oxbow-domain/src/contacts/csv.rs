//! CSV import and export of contacts: OX's own column titles (reference: Detailed contact
//! data) and the column titles of the English, German and French Outlook.

use super::model::{self, Changes};
use super::vcard::ImportItem;
use oxbow_core::codes;
use oxbow_core::columns::contacts::{self as fields, ContactField, Kind};
use oxbow_core::{OxError, OxResult};
use serde_json::{Map, Value};

/// Outlook column titles (English, German, French) and the contact field each fills.
const OUTLOOK: &[(&str, &[&str])] = &[
    ("first_name", &["First Name", "Vorname", "Prénom"]),
    ("second_name", &["Middle Name", "Weitere Vornamen", "Deuxième prénom"]),
    ("last_name", &["Last Name", "Nachname", "Nom"]),
    ("title", &["Title", "Anrede", "Titre"]),
    ("suffix", &["Suffix", "Suffixe"]),
    ("company", &["Company", "Firma", "Société"]),
    ("department", &["Department", "Abteilung", "Service"]),
    ("position", &["Job Title", "Position", "Fonction"]),
    ("street_business", &["Business Street", "Straße geschäftlich", "Rue (bureau)"]),
    ("city_business", &["Business City", "Ort geschäftlich", "Ville (bureau)"]),
    ("state_business", &["Business State", "Region geschäftlich", "Bundesland/Kanton geschäftlich", "État/Prov (bureau)"]),
    ("postal_code_business", &["Business Postal Code", "Postleitzahl geschäftlich", "Code postal (bureau)"]),
    ("country_business", &["Business Country/Region", "Business Country", "Land/Region geschäftlich", "Land geschäftlich", "Pays/Région (bureau)"]),
    ("street_home", &["Home Street", "Straße privat", "Rue (domicile)"]),
    ("city_home", &["Home City", "Ort privat", "Ville (domicile)"]),
    ("state_home", &["Home State", "Bundesland/Kanton privat", "Region privat", "État/Prov (domicile)"]),
    ("postal_code_home", &["Home Postal Code", "Postleitzahl privat", "Code postal (domicile)"]),
    ("country_home", &["Home Country/Region", "Home Country", "Land/Region privat", "Land privat", "Pays/Région (domicile)"]),
    ("street_other", &["Other Street", "Weitere Straße", "Rue (autre)"]),
    ("city_other", &["Other City", "Weiterer Ort", "Ville (autre)"]),
    ("state_other", &["Other State", "Weiteres/r Bundesland/Kanton", "Weitere Region", "État/Prov (autre)"]),
    ("postal_code_other", &["Other Postal Code", "Weitere Postleitzahl", "Code postal (autre)"]),
    ("country_other", &["Other Country/Region", "Other Country", "Weiteres/r Land/Region", "Weiteres Land", "Pays/Région (autre)"]),
    ("telephone_assistant", &["Assistant's Phone", "Telefon Assistent", "Téléphone de l'assistant(e)"]),
    ("fax_business", &["Business Fax", "Fax geschäftlich", "Télécopie (bureau)"]),
    ("telephone_business1", &["Business Phone", "Telefon geschäftlich", "Téléphone (bureau)"]),
    ("telephone_business2", &["Business Phone 2", "Telefon geschäftlich 2", "Téléphone 2 (bureau)"]),
    ("telephone_callback", &["Callback", "Rückmeldung", "Rappel"]),
    ("telephone_car", &["Car Phone", "Autotelefon", "Téléphone (voiture)"]),
    ("telephone_company", &["Company Main Phone", "Telefon Firma", "Téléphone société"]),
    ("fax_home", &["Home Fax", "Fax privat", "Télécopie (domicile)"]),
    ("telephone_home1", &["Home Phone", "Telefon privat", "Téléphone (domicile)"]),
    ("telephone_home2", &["Home Phone 2", "Telefon privat 2", "Téléphone 2 (domicile)"]),
    ("telephone_isdn", &["ISDN", "RNIS"]),
    ("cellular_telephone1", &["Mobile Phone", "Mobiltelefon", "Tél. mobile"]),
    ("cellular_telephone2", &["Mobile Phone 2", "Mobiltelefon 2", "Tél. mobile 2"]),
    ("fax_other", &["Other Fax", "Weiteres Fax", "Télécopie (autre)"]),
    ("telephone_other", &["Other Phone", "Weiteres Telefon", "Téléphone (autre)"]),
    ("telephone_pager", &["Pager", "Récepteur de radiomessagerie"]),
    ("telephone_primary", &["Primary Phone", "Haupttelefon", "Téléphone principal"]),
    ("telephone_radio", &["Radio Phone", "Funkruf", "Radio téléphone"]),
    ("telephone_ttytdd", &["TTY/TDD Phone", "Telefon für Hörbehinderte", "Téléphone TDD/TTY"]),
    ("telephone_telex", &["Telex", "Télex"]),
    ("anniversary", &["Anniversary", "Jahrestag", "Anniversaire de mariage ou fête"]),
    ("birthday", &["Birthday", "Geburtstag", "Anniversaire"]),
    ("categories", &["Categories", "Kategorien", "Catégories"]),
    ("email1", &["E-mail Address", "E-Mail Address", "E-Mail-Adresse", "Adresse de messagerie"]),
    ("email2", &["E-mail 2 Address", "E-Mail 2 Address", "E-Mail 2: Adresse", "E-Mail-Adresse 2", "Adresse de messagerie 2"]),
    ("email3", &["E-mail 3 Address", "E-Mail 3 Address", "E-Mail 3: Adresse", "E-Mail-Adresse 3", "Adresse de messagerie 3"]),
    ("display_name", &["E-mail Display Name", "E-Mail: angezeigter Name", "Nom complet", "Display Name", "Full Name"]),
    ("manager_name", &["Manager's Name", "Name des/der Vorgesetzten", "Nom du responsable"]),
    ("note", &["Notes", "Notizen", "Notes"]),
    ("nickname", &["Nickname", "Spitzname", "Surnom"]),
    ("profession", &["Profession", "Beruf"]),
    ("spouse_name", &["Spouse", "Partner", "Conjoint(e)"]),
    ("url", &["Web Page", "Webseite", "Page Web"]),
    ("assistant_name", &["Assistant's Name", "Name Assistent", "Name des Assistenten", "Nom de l'assistant(e)"]),
    ("room_number", &["Office Location", "Büro", "Bureau"]),
];

fn fold(s: &str) -> String {
    s.trim().trim_start_matches('\u{feff}').to_lowercase()
}

fn outlook_field(title: &str) -> Option<&'static str> {
    let t = fold(title);
    OUTLOOK.iter().find(|(_, titles)| titles.iter().any(|x| fold(x) == t)).map(|(f, _)| *f)
}

fn ox_field(title: &str) -> Option<&'static str> {
    let t = title.trim().trim_start_matches('\u{feff}');
    fields::by_csv_title(t).map(|f| f.name).or_else(|| fields::by_name(t).filter(|f| f.csv.is_some()).map(|f| f.name))
}

/// Guess the delimiter from the header line: the most frequent of `,` `;` tab.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b',', b';', b'\t'].into_iter().max_by_key(|d| header.bytes().filter(|b| b == d).count()).unwrap_or(b',')
}

/// A date cell: milliseconds, `YYYY-MM-DD`, `DD.MM.YYYY` or `MM/DD/YYYY`.
fn parse_date(s: &str) -> Option<i64> {
    use chrono::NaiveDate;
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    for fmt in ["%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis());
        }
    }
    None
}

/// Parse a CSV file (`outlook` picks the Outlook column titles) into validated contacts.
pub fn parse(text: &str, outlook: bool) -> OxResult<Vec<ImportItem>> {
    let mut reader = ::csv::ReaderBuilder::new().delimiter(delimiter(text)).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| codes::IE_EMPTY_CSV.err())?.clone();
    let mapping: Vec<Option<&'static str>> = headers.iter().map(|h| if outlook { outlook_field(h).or_else(|| ox_field(h)) } else { ox_field(h).or_else(|| outlook_field(h)) }).collect();
    if mapping.iter().all(Option::is_none) {
        return Err(codes::IE_EMPTY_CSV.err());
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let index = i + 1;
        let result = match record {
            Err(e) => Err(codes::IE_PARSE_FAILED.with([index.to_string(), e.to_string()])),
            Ok(rec) => row_to_changes(&rec, &mapping, index),
        };
        if let Ok(c) = &result {
            if c.values.is_empty() {
                continue;
            }
        }
        out.push(ImportItem { index, result });
    }
    Ok(out)
}

fn row_to_changes(rec: &::csv::StringRecord, mapping: &[Option<&'static str>], index: usize) -> OxResult<Changes> {
    let mut m = Map::new();
    for (cell, field) in rec.iter().zip(mapping) {
        let (Some(name), value) = (field, cell.trim()) else { continue };
        if value.is_empty() || m.contains_key(*name) {
            continue;
        }
        let kind = fields::by_name(name).map(|f| f.kind);
        let v = match kind {
            Some(Kind::Date) => Value::from(parse_date(value).ok_or_else(|| codes::IE_PARSE_FAILED.with([index.to_string(), format!("{name}: not a date: {value}")]))?),
            Some(Kind::Bool) => Value::Bool(matches!(value.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "ja" | "oui")),
            Some(Kind::Int) => Value::from(value.parse::<i64>().map_err(|_| codes::IE_PARSE_FAILED.with([index.to_string(), format!("{name}: not a number: {value}")]))?),
            _ => Value::from(value),
        };
        m.insert(name.to_string(), v);
    }
    model::parse_input(&m, true)
}

/// The export columns: the requested ids, else every field with a CSV title.
pub fn export_fields(requested: Option<&[u32]>) -> Vec<&'static ContactField> {
    match requested {
        Some(ids) => ids.iter().filter_map(|id| fields::by_id(*id)).filter(|f| f.csv.is_some()).collect(),
        None => fields::FIELDS.iter().filter(|f| f.csv.is_some() && f.id != 594).collect(),
    }
}

/// Write contacts (wire form) as CSV with OX column titles.
pub fn write(contacts: &[Map<String, Value>], cols: &[&'static ContactField]) -> Result<String, OxError> {
    let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(cols.iter().map(|f| f.csv.unwrap_or(f.name))).map_err(OxError::internal)?;
    for c in contacts {
        let row: Vec<String> = cols
            .iter()
            .map(|f| match c.get(f.name) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) if f.kind == Kind::Date => n
                    .as_i64()
                    .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms))
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                Some(v) => v.to_string(),
            })
            .collect();
        w.write_record(&row).map_err(OxError::internal)?;
    }
    let bytes = w.into_inner().map_err(|e| OxError::internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(OxError::internal)
}
