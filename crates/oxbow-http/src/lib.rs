//! The HTTP layer of oxbow: axum routes for `/ajax/<module>` (and `/appsuite/api/<module>`),
//! the OX response envelope, session and cookie checks, and the shared columns mechanism.
//! Each API module's handlers live in one file under `modules/`.

pub mod columns;
pub mod cookies;
pub mod dispatch;
pub mod modules;
pub mod request;
pub mod response;
pub mod server;

pub use request::ApiRequest;
pub use response::ApiResponse;
pub use server::{router, AppState};
