//! fileaccount module: accounts of the file storage services.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::{codes, OxResult};
use oxbow_domain::infostore::services;
use serde_json::{json, Value};

pub async fn handle(_state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    match req.action.as_str() {
        "all" => {
            let filter = req.param_nonempty("filestorageService").map(str::to_string);
            let list: Vec<&dyn services::FileStorageService> = match &filter {
                Some(id) => vec![services::service(id)?],
                None => services::registry(),
            };
            Ok(ApiResponse::data(Value::Array(list.into_iter().flat_map(|svc| svc.accounts(&s)).collect())))
        }
        "get" => {
            let service = req.require("filestorageService")?.to_string();
            let id = req.require("id")?.to_string();
            Ok(ApiResponse::data(services::account(&s, &service, &id)?))
        }
        "new" | "update" => {
            let body = Value::Object(req.json_object().await?);
            let service = body
                .get("filestorageService")
                .and_then(Value::as_str)
                .ok_or_else(|| codes::SVL_MISSING_FIELD.with(["filestorageService"]))?;
            let svc = services::service(service)?;
            if req.action == "new" {
                Ok(ApiResponse::data(json!(svc.create_account(&s, &body)?)))
            } else {
                body.get("id").ok_or_else(|| codes::SVL_MISSING_FIELD.with(["id"]))?;
                svc.update_account(&s, &body)?;
                Ok(ApiResponse::data(json!(1)))
            }
        }
        "delete" => {
            let service = req.require("filestorageService")?.to_string();
            let id = req.require("id")?.to_string();
            services::account(&s, &service, &id)?;
            services::service(&service)?.delete_account(&s, &id)?;
            Ok(ApiResponse::data(json!(1)))
        }
        other => Err(codes::SVL_UNKNOWN_ACTION.with([other, "fileaccount"])),
    }
}
