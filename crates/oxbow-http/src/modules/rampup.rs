//! The extras a login answer may carry (behaviour notes 1.6, 1.7): `modules`, the user's
//! `config/modules` tree, and `rampup`, the data App Suite needs right after login. The
//! rampup parts are the answers of ordinary API calls made as the new session, so they are
//! exactly what the client would get by asking itself; a part that fails is left out and
//! never fails the login.

use crate::dispatch;
use crate::request::{ApiRequest, RequestBody};
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::OxResult;
use oxbow_domain::sessions::Session;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The only client App Suite's rampup is produced for.
pub const APPSUITE_CLIENT: &str = "open-xchange-appsuite";

/// The settings documents App Suite reads at start.
const JSLOBS: &[&str] = &[
    "io.ox/core",
    "io.ox/core/updates",
    "io.ox/mail",
    "io.ox/contacts",
    "io.ox/calendar",
    "io.ox/core/settingOptions",
    "io.ox/caldav",
    "io.ox/files",
    "io.ox/tours",
    "io.ox/mail/emoji",
    "io.ox/tasks",
    "io.ox/office",
];

const FOLDER_LIST_COLUMNS: &str = "1,2,3,4,5,6,20,23,300,301,302,304,305,306,307,308,309,310,311,312,313,314,315,316,317,3010,3020,3030";
const ACCOUNT_COLUMNS: &str = "1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014,1015,1016,1017,1018,1019,1020,1021,1022,1023,1024,1025,1026,1027,1028,1029,1030,1031,1032,1033,1034,1035,1036,1037,1038,1039,1040";

/// How long one rampup part may take before it is left out.
const PART_TIMEOUT: Duration = Duration::from_secs(10);

/// Add `modules` and `rampup` to a login answer when the request asked for them.
pub async fn extend_login_answer(state: &AppState, req: &ApiRequest, session: &Arc<Session>, answer: &mut Value) -> OxResult<()> {
    if req.flag("modules")? {
        let mut tree = super::config::tree(state, session).await?;
        answer["modules"] = tree.remove("modules").unwrap_or_else(|| json!({}));
    }
    if req.flag("rampup")? {
        let client = req.param_nonempty("rampUpFor").or_else(|| req.param_nonempty("client")).unwrap_or("");
        if client == APPSUITE_CLIENT {
            answer["rampup"] = Value::Object(rampup(state, req, session).await);
        }
    }
    Ok(())
}

/// The App Suite rampup object; parts run concurrently.
pub async fn rampup(state: &AppState, parent: &ApiRequest, session: &Arc<Session>) -> Map<String, Value> {
    let user_id = session.user_id.to_string();
    let jslob_ids = Value::Array(JSLOBS.iter().map(|id| json!(id)).collect());
    let call = |module: &'static str, params: &[(&str, &str)], body: Option<Value>| {
        let params: HashMap<String, String> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        perform(state, parent, session, module, params, body)
    };
    let folder_params = |id: &'static str| [("action", "get"), ("id", id), ("tree", "1"), ("altNames", "true"), ("timezone", "UTC")];
    let (jslobs, root, inbox, folderlist, user, accounts, oauth_services, oauth_accounts) = tokio::join!(
        call("jslob", &[("action", "list")], Some(jslob_ids)),
        call("folders", &folder_params("1"), None),
        call("folders", &folder_params("default0/INBOX"), None),
        call(
            "folders",
            &[("action", "list"), ("parent", "1"), ("tree", "1"), ("altNames", "true"), ("timezone", "UTC"), ("columns", FOLDER_LIST_COLUMNS)],
            None
        ),
        call("user", &[("action", "get"), ("id", &user_id), ("timezone", "utc")], None),
        call("account", &[("action", "all"), ("columns", ACCOUNT_COLUMNS)], None),
        call("oauth/services", &[("action", "all")], None),
        call("oauth/accounts", &[("action", "all")], None),
    );

    let mut out = Map::new();
    if let Some(Value::Array(lobs)) = jslobs {
        let by_id: Map<String, Value> = lobs
            .into_iter()
            .filter_map(|lob| Some((lob.get("id")?.as_str()?.to_string(), lob.clone())))
            .collect();
        out.insert("jslobs".into(), Value::Object(by_id));
    }
    // As in OX, the oauth object is always there; its parts only when their modules answer.
    let mut oauth = Map::new();
    if let Some(v) = oauth_services {
        oauth.insert("services".into(), v);
    }
    if let Some(v) = oauth_accounts {
        oauth.insert("accounts".into(), v);
    }
    out.insert("oauth".into(), Value::Object(oauth));
    let mut folder = Map::new();
    if let Some(v) = root {
        folder.insert("1".into(), v);
    }
    if let Some(v) = inbox {
        folder.insert("default0/INBOX".into(), v);
    }
    out.insert("folder".into(), Value::Object(folder));
    if let Some(v) = folderlist {
        out.insert("folderlist".into(), json!({ "1": v }));
    }
    if let Some(v) = user {
        out.insert("user".into(), v);
    }
    if let Some(v) = accounts {
        out.insert("accounts".into(), v);
    }
    out
}

/// Run one API call as `session` and return its `data`; `None` when it fails, is not a
/// JSON answer or takes too long.
async fn perform(
    state: &AppState,
    parent: &ApiRequest,
    session: &Arc<Session>,
    module: &'static str,
    params: HashMap<String, String>,
    body: Option<Value>,
) -> Option<Value> {
    let mut sub = ApiRequest {
        module: module.to_string(),
        action: params.get("action").cloned().unwrap_or_default(),
        method: if body.is_some() { http::Method::PUT } else { http::Method::GET },
        params,
        query_keys: Vec::new(),
        headers: parent.headers.clone(),
        cookies: parent.cookies.clone(),
        remote_ip: parent.remote_ip,
        body: body.map(RequestBody::Json).unwrap_or(RequestBody::Empty),
        session: Some(session.clone()),
        upload: false,
        set_cookies: Vec::new(),
        max_body_size: parent.max_body_size,
        max_upload_size: parent.max_upload_size,
    };
    match tokio::time::timeout(PART_TIMEOUT, dispatch::dispatch(state, &mut sub)).await {
        Ok(Ok(ApiResponse::Data { data, .. })) => Some(data),
        Ok(Err(e)) => {
            tracing::debug!("rampup part {module} left out: {}", e.code);
            None
        }
        _ => None,
    }
}
