//! File storage services as the `fileservice`/`fileaccount` modules show them. The built-in
//! Drive (`com.openexchange.infostore`) is one implementation; further storage services plug
//! in by implementing `FileStorageService` and joining `registry()`.

use crate::sessions::Session;
use oxbow_core::codes;
use oxbow_core::OxResult;
use serde_json::{json, Value};

pub const INFOSTORE_SERVICE: &str = "com.openexchange.infostore";
pub const DEFAULT_ACCOUNT: &str = "infostore";

pub trait FileStorageService: Send + Sync {
    fn id(&self) -> &'static str;
    fn display_name(&self) -> &'static str;
    /// Form fields an account of this service needs (`configuration`).
    fn configuration(&self) -> Value;
    /// The accounts of the user.
    fn accounts(&self, s: &Session) -> Vec<Value>;
    fn create_account(&self, s: &Session, data: &Value) -> OxResult<String>;
    fn update_account(&self, s: &Session, data: &Value) -> OxResult<()>;
    fn delete_account(&self, s: &Session, id: &str) -> OxResult<()>;
}

/// The built-in Drive with its one default account per user.
pub struct InfostoreService;

impl FileStorageService for InfostoreService {
    fn id(&self) -> &'static str {
        INFOSTORE_SERVICE
    }
    fn display_name(&self) -> &'static str {
        "Drive"
    }
    fn configuration(&self) -> Value {
        json!([])
    }
    fn accounts(&self, _s: &Session) -> Vec<Value> {
        vec![json!({
            "id": DEFAULT_ACCOUNT,
            "qualifiedId": format!("{INFOSTORE_SERVICE}://{DEFAULT_ACCOUNT}"),
            "displayName": "Drive",
            "filestorageService": INFOSTORE_SERVICE,
            "rootFolder": crate::folders::INFOSTORE_ROOT.to_string(),
            "isDefaultAccount": true,
            "capabilities": ["FILE_VERSIONS", "EXTENDED_METADATA", "LOCKS"],
            "configuration": {},
        })]
    }
    fn create_account(&self, _s: &Session, _data: &Value) -> OxResult<String> {
        Err(codes::FILE_STORAGE_READ_ONLY_ACCOUNT.with([INFOSTORE_SERVICE]))
    }
    fn update_account(&self, _s: &Session, _data: &Value) -> OxResult<()> {
        Err(codes::FILE_STORAGE_READ_ONLY_ACCOUNT.with([INFOSTORE_SERVICE]))
    }
    fn delete_account(&self, _s: &Session, _id: &str) -> OxResult<()> {
        Err(codes::FILE_STORAGE_READ_ONLY_ACCOUNT.with([INFOSTORE_SERVICE]))
    }
}

static INFOSTORE: InfostoreService = InfostoreService;

/// Every file storage service of this server.
pub fn registry() -> Vec<&'static dyn FileStorageService> {
    vec![&INFOSTORE]
}

pub fn service(id: &str) -> OxResult<&'static dyn FileStorageService> {
    registry()
        .into_iter()
        .find(|s| s.id() == id)
        .ok_or_else(|| codes::FILE_STORAGE_UNKNOWN_SERVICE.with([id.chars().take(100).collect::<String>()]))
}

pub fn service_json(s: &dyn FileStorageService) -> Value {
    json!({ "id": s.id(), "displayName": s.display_name(), "configuration": s.configuration() })
}

/// One account of a service, or FILE_STORAGE-0004.
pub fn account(session: &Session, service_id: &str, id: &str) -> OxResult<Value> {
    let svc = service(service_id)?;
    svc.accounts(session)
        .into_iter()
        .find(|a| a.get("id").and_then(Value::as_str) == Some(id))
        .ok_or_else(|| codes::FILE_STORAGE_ACCOUNT_NOT_FOUND.with([id.chars().take(100).collect::<String>(), service_id.chars().take(100).collect()]))
}
