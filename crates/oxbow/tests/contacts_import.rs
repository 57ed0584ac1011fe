mod common;

use common::*;
use serde_json::{json, Value};

async fn upload(c: &Client, action: &str, folder: &str, name: &str, content: Vec<u8>) -> Value {
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(content).file_name(name.to_string()));
    c.post_multipart("import", &[("action", action), ("folder", folder)], form).await
}

async fn count(c: &Client, folder: &str) -> usize {
    data(&c.get("contacts", &[("action", "all"), ("folder", folder), ("columns", "1")]).await).as_array().unwrap().len()
}

const CARDS: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Gump;Forrest;;Mr.;\r\nFN:Forrest Gump\r\nORG:Bubba Gump Shrimp Co.;Boats\r\nTITLE:Shrimp Man\r\n\
TEL;TYPE=WORK,VOICE:(111) 555-1212\r\nTEL;TYPE=HOME,VOICE:(404) 555-1212\r\nTEL;TYPE=CELL:0170\r\n\
ADR;TYPE=WORK,PREF:;;100 Waters Edge;Baytown;LA;30314;United States of America\r\n\
ADR;TYPE=HOME:;;42 Plantation St.;Baytown;LA;30314;United States\r\n\
item1.EMAIL;TYPE=INTERNET:forrest@example.com\r\nitem1.X-ABLabel:private\r\n\
NOTE:A very long note that is folded over more than one line because vCard lines should not be longer than\r\n  seventy-five octets.\r\n\
BDAY:1944-06-06\r\nCATEGORIES:Friends,Shrimp\r\nUID:forrest-1\r\n\
PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAACklEQVR4nGMAAQAABQABDQottAAAAABJRU5ErkJggg==\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen\r\nEMAIL;INTERNET:j@example.de\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken Mail\r\nEMAIL:not an address\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nANNIVERSARY:18350708\r\nEMAIL;TYPE=work:ada@example.org\r\nEND:VCARD\r\n";

#[tokio::test]
async fn vcard_import_reports_each_card_and_round_trips() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let folder = own_contacts_folder(&alice).await;

    let v = upload(&alice, "VCARD", &folder, "cards.vcf", CARDS.as_bytes().to_vec()).await;
    let items = data(&v).as_array().unwrap().clone();
    assert_eq!(items.len(), 4, "{v}");
    assert!(items[0]["id"].is_string() && items[0]["folder_id"] == json!(folder) && items[0]["last_modified"].is_number());
    assert!(items[1]["id"].is_string());
    assert_eq!(items[2]["code"], "CON-0100");
    assert!(items[3]["id"].is_string());
    assert_eq!(count(&alice, &folder).await, 3);

    let id = items[0]["id"].as_str().unwrap();
    let c = data(&alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", id)]).await).clone();
    assert_eq!(c["last_name"], "Gump");
    assert_eq!(c["first_name"], "Forrest");
    assert_eq!(c["title"], "Mr.");
    assert_eq!(c["company"], "Bubba Gump Shrimp Co.");
    assert_eq!(c["department"], "Boats");
    assert_eq!(c["street_business"], "100 Waters Edge");
    assert_eq!(c["street_home"], "42 Plantation St.");
    assert_eq!(c["telephone_business1"], "(111) 555-1212");
    assert_eq!(c["cellular_telephone1"], "0170");
    assert_eq!(c["email1"], "forrest@example.com");
    assert_eq!(c["birthday"], -806976000000i64);
    assert_eq!(c["categories"], "Friends,Shrimp");
    assert_eq!(c["uid"], "forrest-1");
    assert!(c["note"].as_str().unwrap().contains("seventy-five octets"));
    assert_eq!(c["number_of_images"], 1);
    let c2 = data(&alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", items[1]["id"].as_str().unwrap())]).await).clone();
    assert_eq!(c2["last_name"], "Müller");
    assert_eq!(c2["first_name"], "Jürgen");
    let c4 = data(&alice.get("contacts", &[("action", "get"), ("folder", &folder), ("id", items[3]["id"].as_str().unwrap())]).await).clone();
    assert_eq!(c4["anniversary"], -4243968000000i64);

    // Export in both versions and import into a second user's folder: same contacts.
    for version in ["3.0", "4.0"] {
        let r = alice.get_raw("export", &[("action", "VCARD"), ("folder", &folder), ("version", version)]).await;
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/x-vcard"));
        let text = r.text().await.unwrap();
        assert_eq!(text.matches("BEGIN:VCARD").count(), 3);
        assert!(text.contains(&format!("VERSION:{version}")));
        let login = format!("bob{}", version.replace('.', ""));
        let bob = server.user(&login).await;
        let bob_folder = own_contacts_folder(&bob).await;
        let v = upload(&bob, "VCARD", &bob_folder, "export.vcf", text.into_bytes()).await;
        assert!(data(&v).as_array().unwrap().iter().all(|i| i["id"].is_string()), "{v}");
        let v = bob.get("contacts", &[("action", "all"), ("folder", &bob_folder), ("columns", "502,501,555,511,596,506"), ("sort", "502")]).await;
        let rows = data(&v).clone();
        let v = alice.get("contacts", &[("action", "all"), ("folder", &folder), ("columns", "502,501,555,511,596,506"), ("sort", "502")]).await;
        assert_eq!(&rows, data(&v), "round trip of vCard {version}");
    }
}

#[tokio::test]
async fn csv_and_outlook_csv_import_and_csv_export() {
    let server = Server::start().await;
    let alice = server.user("alice").await;
    let folder = own_contacts_folder(&alice).await;

    let ox = "\"Given name\",\"Sur name\",\"Email 1\",\"Birthday\"\n\"Günther\",\"Mustermann\",\"g@example.com\",\"1970-01-02\"\n\"Hildegard\",\"Musterfrau\",\"\",\"not a date\"\n\"Robert'); DROP TABLE contacts;--\",\"X\",\"\",\"\"\n";
    let v = upload(&alice, "CSV", &folder, "ox.csv", ox.as_bytes().to_vec()).await;
    let items = data(&v).as_array().unwrap().clone();
    assert_eq!(items.len(), 3, "{v}");
    assert!(items[0]["id"].is_string());
    assert_eq!(items[1]["code"], "I_E-0500");
    assert!(items[2]["id"].is_string());

    let english = "First Name,Last Name,E-mail Address,Business Phone\nAnne,English,anne@example.com,+44 1\n";
    let german = "Vorname;Nachname;E-Mail-Adresse;Telefon geschäftlich\nGerd;Deutsch;gerd@example.de;+49 1\n";
    let french = "Prénom,Nom,Adresse de messagerie,Téléphone (bureau)\nFrançois,Français,f@example.fr,+33 1\n";
    for (text, cp1252) in [(english, false), (german, false), (french, true)] {
        let bytes: Vec<u8> = if cp1252 { text.chars().map(|c| c as u32 as u8).collect() } else { text.as_bytes().to_vec() };
        let v = upload(&alice, "OUTLOOK_CSV", &folder, "outlook.csv", bytes).await;
        assert!(data(&v)[0]["id"].is_string(), "{v}");
    }
    let v = alice.put("contacts", &[("action", "search"), ("columns", "501,502,555,542"), ("sort", "502")], &json!({"email1": "example."})).await;
    assert_eq!(
        data(&v),
        &json!([["Gerd", "Deutsch", "gerd@example.de", "+49 1"], ["Anne", "English", "anne@example.com", "+44 1"], ["François", "Français", "f@example.fr", "+33 1"], ["Günther", "Mustermann", "g@example.com", null]])
    );

    let v = upload(&alice, "CSV", &folder, "bad.csv", b"nothing,known\n1,2\n".to_vec()).await;
    assert_eq!(code(&v), "I_E-0806");
    let v = upload(&alice, "ICAL", &folder, "x.ics", b"BEGIN:VCALENDAR\nEND:VCALENDAR\n".to_vec()).await;
    assert_eq!(code(&v), "SVL-0021");
    let v = upload(&alice, "VCARD", "6", "x.vcf", CARDS.as_bytes().to_vec()).await;
    assert_eq!(code(&v), "CON-0112");

    let r = alice.get_raw("export", &[("action", "CSV"), ("folder", &folder), ("columns", "501,502,555")]).await;
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("Given name,Sur name,Email 1"));
    assert_eq!(text.lines().count(), 1 + count(&alice, &folder).await);
    // Export → import into another folder gives the same data.
    let bob = server.user("bob").await;
    let bob_folder = own_contacts_folder(&bob).await;
    let v = upload(&bob, "CSV", &bob_folder, "export.csv", text.into_bytes()).await;
    assert!(data(&v).as_array().unwrap().iter().all(|i| i["id"].is_string()));
    let cols = [("columns", "501,502,555"), ("sort", "502")];
    let a = alice.get("contacts", &[&[("action", "all"), ("folder", folder.as_str())][..], &cols[..]].concat()).await;
    let b = bob.get("contacts", &[&[("action", "all"), ("folder", bob_folder.as_str())][..], &cols[..]].concat()).await;
    assert_eq!(data(&a), data(&b));
    let v = alice.get("export", &[("action", "ICAL"), ("folder", &folder)]).await;
    assert_eq!(code(&v), "SVL-0021");
}
