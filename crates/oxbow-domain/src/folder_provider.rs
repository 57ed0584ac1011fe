//! Folders that do not live in the `folders` table (mail folders `default0/INBOX`, external
//! accounts `default1/...`) plug into the folder tree through this trait. The folders
//! module asks every provider whose `owns` accepts an id, and lists each provider's roots
//! under folder 1 ("Private folders").
//!
//! Folder objects are JSON maps keyed by the field names of the folder column table
//! (`id`, `folder_id`, `title`, `module`, `type`, `own_rights`, `permissions`, `total`,
//! `new`, `unread`, `standard_folder`, `standard_folder_type`, `subscribed`,
//! `subfolders`, `account_id`, `last_modified_utc`, ...).

use crate::sessions::Session;
use oxbow_core::OxResult;
use serde_json::{Map, Value};

pub type FolderObject = Map<String, Value>;

/// Changes a client can ask for in `folders?action=update`/`new` on a provider's folder.
#[derive(Debug, Clone, Default)]
pub struct FolderChange {
    pub title: Option<String>,
    /// New parent id (move).
    pub parent: Option<String>,
    pub subscribed: Option<bool>,
    /// Complete new permission list as sent by the client (`permissions` array).
    pub permissions: Option<Vec<Value>>,
}

#[async_trait::async_trait]
pub trait FolderProvider: Send + Sync {
    /// Whether `id` belongs to this provider (e.g. starts with `default`).
    fn owns(&self, id: &str) -> bool;
    /// The provider's top-level folders shown under folder 1 (account roots).
    async fn roots(&self, s: &Session) -> OxResult<Vec<FolderObject>>;
    /// One folder, `None` when it does not exist or is not visible.
    async fn get(&self, s: &Session, id: &str) -> OxResult<Option<FolderObject>>;
    /// Direct children of `id` (`all`: include unsubscribed ones).
    async fn children(&self, s: &Session, id: &str, all: bool) -> OxResult<Vec<FolderObject>>;
    /// Create a folder below `parent`; returns the new id.
    async fn create(&self, s: &Session, parent: &str, change: FolderChange) -> OxResult<String>;
    /// Rename, move, (un)subscribe or change permissions; returns the (possibly new) id.
    async fn update(&self, s: &Session, id: &str, change: FolderChange) -> OxResult<String>;
    /// Delete a folder (to the trash unless `hard`).
    async fn delete(&self, s: &Session, id: &str, hard: bool) -> OxResult<()>;
    /// Remove every object in the folder.
    async fn clear(&self, s: &Session, id: &str) -> OxResult<()>;
}
