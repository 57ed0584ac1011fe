//! Contacts figures: importing a 10,000-card vCard file, then `all` and `advancedSearch`
//! over that folder with 20 columns.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use serde_json::json;
use std::time::Instant;

const CARDS: usize = 10_000;
const COLUMNS: &str = "1,20,2,5,500,501,502,505,506,507,508,510,511,542,548,551,555,556,569,602";

fn vcard_file() -> String {
    let mut out = String::with_capacity(CARDS * 300);
    for i in 0..CARDS {
        out.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Last{i:05};First{i};;;\r\nFN:First{i} Last{i:05}\r\nORG:Company {c}\r\n\
             EMAIL;TYPE=INTERNET:user{i}@example.com\r\nTEL;TYPE=WORK,VOICE:+49 {i}\r\nTEL;TYPE=CELL:+49 170 {i}\r\n\
             ADR;TYPE=HOME:;;Street {i};City {c};;{p};Country\r\nBDAY:19{y:02}-0{m}-1{d}\r\nEND:VCARD\r\n",
            c = i % 97,
            p = 10000 + i,
            y = i % 100,
            m = 1 + i % 9,
            d = i % 10
        ));
    }
    out
}

#[tokio::main]
async fn main() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let folder = own_contacts_folder(&alice).await;

    let file = vcard_file();
    let started = Instant::now();
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(file.into_bytes()).file_name("bench.vcf"));
    let v = alice.post_multipart("import", &[("action", "VCARD"), ("folder", &folder)], form).await;
    let elapsed = started.elapsed();
    assert_eq!(data(&v).as_array().unwrap().len(), CARDS);
    println!("contacts_import_vcard_10000: {} ms", elapsed.as_millis());

    let mut best = u128::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", COLUMNS), ("sort", "502"), ("order", "asc")]).await;
        best = best.min(started.elapsed().as_millis());
        assert_eq!(data(&v).as_array().unwrap().len(), CARDS);
    }
    println!("contacts_all_10000_20cols: {best} ms");

    let filter = json!({"filter": ["and", ["=", {"field": "last_name"}, "Last0*"], ["or", ["=", {"field": "company"}, "Company 1*"], [">", {"field": "birthday"}, 0]]]});
    let mut best = u128::MAX;
    let mut hits = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let v = alice.put("contacts", &[("action", "advancedSearch"), ("columns", COLUMNS), ("sort", "502"), ("folders", &folder)], &filter).await;
        best = best.min(started.elapsed().as_millis());
        hits = data(&v).as_array().unwrap().len();
    }
    assert!(hits > 0);
    println!("contacts_advanced_search_10000_20cols: {best} ms ({hits} hits)");
}
