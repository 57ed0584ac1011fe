//! `image/mail/picture`: an inline image of a mail, addressed by its Content-ID (`uid`), as
//! referenced from the sanitised HTML of `mail?action=get`.

use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::server::AppState;
use oxbow_core::OxResult;

pub async fn handle(state: &AppState, req: &mut ApiRequest) -> OxResult<ApiResponse> {
    let s = req.session()?.clone();
    let folder = req.require("folder")?.to_string();
    let id = req.require("id")?.to_string();
    let cid = req.require("uid")?.to_string();
    let resp = super::mail::serve_part(state, &s, &folder, &id, None, Some(&cid), false, true).await?;
    Ok(ApiResponse::Raw(resp))
}
