//! quota module. `action=get` reports the quota modules registered in `MODULES`; each
//! storage area (files, mail, ...) adds an entry there with a function that reports the
//! user's accounts, and may add its own legacy action (`filestore`, `mail`) to `handle`.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use futures::future::BoxFuture;
use oxbow_core::{codes, OxResult};
use oxbow_domain::sessions::Session;
use serde_json::{json, Map, Value};

/// One account of a quota module (reference: QuotasResponse).
#[derive(Debug, Clone, Default)]
pub struct QuotaAccount {
    pub account_id: String,
    pub account_name: String,
    /// Storage limit in bytes (`None`: no storage quota).
    pub quota: Option<i64>,
    pub usage: Option<i64>,
    /// Item-count limit (`None`: no count quota).
    pub count_quota: Option<i64>,
    pub count_usage: Option<i64>,
}

impl QuotaAccount {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("account_id".into(), json!(self.account_id));
        m.insert("account_name".into(), json!(self.account_name));
        if let Some(q) = self.quota {
            m.insert("quota".into(), json!(q));
            m.insert("use".into(), json!(self.usage.unwrap_or(0)));
        }
        if let Some(q) = self.count_quota {
            m.insert("countquota".into(), json!(q));
            m.insert("countuse".into(), json!(self.count_usage.unwrap_or(0)));
        }
        Value::Object(m)
    }
}

/// Reports the accounts of one quota module for a session.
pub type AccountsFn = for<'a> fn(&'a AppState, &'a Session) -> BoxFuture<'a, OxResult<Vec<QuotaAccount>>>;

/// A quota module: its id (the `module` parameter), display name and account reporter.
pub struct QuotaModule {
    pub id: &'static str,
    pub display_name: &'static str,
    pub accounts: AccountsFn,
}

/// The registered quota modules. Storage areas add their entry here.
pub const MODULES: &[QuotaModule] = &[
    QuotaModule { id: "filestorage", display_name: "Drive", accounts: filestorage_accounts },
    QuotaModule { id: "mail", display_name: "E-Mail", accounts: super::mail::quota_accounts },
    QuotaModule { id: "contact", display_name: "Contacts", accounts: contact_accounts },
    QuotaModule { id: "infostore", display_name: "Drive", accounts: infostore_accounts },
    QuotaModule { id: "attachment", display_name: "Attachments", accounts: attachment_accounts },
];

/// The one account of an item-count quota: OX counts these items per context; oxbow sets
/// no limit on them, which the API writes as -1.
fn item_count_account(name: &str, count: i64) -> Vec<QuotaAccount> {
    vec![QuotaAccount {
        account_id: "0".into(),
        account_name: name.into(),
        count_quota: Some(-1),
        count_usage: Some(count),
        ..Default::default()
    }]
}

/// Contacts stored in the context.
fn contact_accounts<'a>(state: &'a AppState, s: &'a Session) -> BoxFuture<'a, OxResult<Vec<QuotaAccount>>> {
    Box::pin(async move { Ok(item_count_account("Contacts", oxbow_store::contacts::count_in_context(&state.db, s.cid).await?)) })
}

/// Drive documents stored in the context.
fn infostore_accounts<'a>(state: &'a AppState, s: &'a Session) -> BoxFuture<'a, OxResult<Vec<QuotaAccount>>> {
    Box::pin(async move { Ok(item_count_account("Drive", oxbow_store::infostore::count_in_context(&state.db, s.cid).await?)) })
}

/// Attachments of PIM objects and Drive documents stored in the context.
fn attachment_accounts<'a>(state: &'a AppState, s: &'a Session) -> BoxFuture<'a, OxResult<Vec<QuotaAccount>>> {
    Box::pin(async move { Ok(item_count_account("Attachments", oxbow_store::attachments::count_in_context(&state.db, s.cid).await?)) })
}

/// Drive: the context's file store (Drive versions and attachments) against its quota.
fn filestorage_accounts<'a>(state: &'a AppState, s: &'a Session) -> BoxFuture<'a, OxResult<Vec<QuotaAccount>>> {
    Box::pin(async move {
        let usage = oxbow_store::infostore::context_usage(&state.db, s.cid).await?;
        let quota = oxbow_store::infostore::context_quota(&state.db, s.cid).await?;
        Ok(vec![QuotaAccount {
            account_id: oxbow_domain::infostore::services::DEFAULT_ACCOUNT.into(),
            account_name: "Drive".into(),
            quota: Some(quota.unwrap_or(-1)),
            usage: Some(usage),
            ..Default::default()
        }])
    })
}

/// `quota?action=filestore`: `{"quota": bytes or -1 for unlimited, "use": bytes}`.
async fn filestore(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let usage = oxbow_store::infostore::context_usage(&state.db, s.cid).await?;
    let quota = oxbow_store::infostore::context_quota(&state.db, s.cid).await?;
    Ok(ApiResponse::data(json!({ "quota": quota.unwrap_or(-1), "use": usage })))
}

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    match req.action.as_str() {
        "get" => get(state, req).await,
        "filestore" => filestore(state, req).await,
        "mail" => super::mail::quota_mail(state, req).await,
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "quota"])),
    }
}

async fn get(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let account = req.param_nonempty("account").map(str::to_string);
    let Some(module_id) = req.param_nonempty("module").map(str::to_string) else {
        if account.is_some() {
            return Err(codes::SVL_MISSING_PARAM.with(["module"]));
        }
        let mut out = Map::new();
        for m in MODULES {
            let accounts = (m.accounts)(state, &s).await?;
            out.insert(
                m.id.into(),
                json!({ "display_name": m.display_name, "accounts": accounts.iter().map(QuotaAccount::to_json).collect::<Vec<_>>() }),
            );
        }
        return Ok(ApiResponse::data(Value::Object(out)));
    };
    let Some(module) = MODULES.iter().find(|m| m.id == module_id) else {
        return Err(crate::request::invalid("module", &module_id).http_status(400));
    };
    let accounts = (module.accounts)(state, &s).await?;
    match account {
        None => Ok(ApiResponse::data(Value::Array(accounts.iter().map(QuotaAccount::to_json).collect()))),
        Some(a) => match accounts.iter().find(|x| x.account_id == a) {
            Some(found) => Ok(ApiResponse::data(found.to_json())),
            None => Err(crate::request::invalid("account", &a)),
        },
    }
}
