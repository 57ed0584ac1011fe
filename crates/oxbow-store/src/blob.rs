//! Blob storage: the bytes of files, attachments and mail live here, addressed by an opaque
//! key the caller chooses (`new_key()`); the database keeps the metadata and references.
//!
//! Two backends behind one object-safe interface (`Arc<dyn BlobStore>`):
//! - `LocalBlobStore`: a directory tree below `data_dir/blobs`. Uploads go to a temporary file
//!   that is renamed into place only when complete, so a crash or a broken upload never leaves
//!   a half-written blob under a real key.
//! - `S3BlobStore`: any S3-compatible server through `object_store` (multipart uploads for
//!   large bodies, aborted on failure so nothing remains).
//!
//! Writes stream: the body is consumed chunk by chunk while size, MD5 and SHA-256 are computed,
//! and an optional size limit stops the upload as soon as it is exceeded.

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use md5::{Digest as _, Md5};
use oxbow_core::OxError;
use oxbow_core::config::Config;
use sha2::Sha256;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncSeekExt, AsyncWriteExt};

/// A stream of body chunks. Errors of the source (a client that went away) abort the put.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// What a completed put stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutOutcome {
    pub size: u64,
    /// Lower-case hex MD5 of the content (OX `file_md5sum`).
    pub md5: String,
    /// Lower-case hex SHA-256 of the content (content addressing).
    pub sha256: String,
}

#[derive(Debug)]
pub enum BlobError {
    /// The body exceeded the limit given to `put`; nothing was stored.
    TooLarge { limit: u64 },
    /// The body stream failed (e.g. the client disconnected); nothing was stored.
    Source(std::io::Error),
    NotFound(String),
    /// The requested range starts at or after the end of the blob.
    RangeNotSatisfiable { size: u64 },
    InvalidKey(String),
    /// The backend failed (disk, network, S3 error).
    Backend(String),
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobError::TooLarge { limit } => write!(f, "content exceeds the limit of {limit} bytes"),
            BlobError::Source(e) => write!(f, "reading the content failed: {e}"),
            BlobError::NotFound(k) => write!(f, "blob {k} not found"),
            BlobError::RangeNotSatisfiable { size } => write!(f, "range not satisfiable (size {size})"),
            BlobError::InvalidKey(k) => write!(f, "invalid blob key {k:?}"),
            BlobError::Backend(e) => write!(f, "blob storage failed: {e}"),
        }
    }
}

impl std::error::Error for BlobError {}

impl From<BlobError> for OxError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::TooLarge { limit } => oxbow_core::codes::SVL_BODY_TOO_LARGE.with([limit]),
            BlobError::Source(err) => oxbow_core::codes::SVL_BAD_REQUEST.with([format!("upload interrupted: {err}")]),
            other => OxError::internal(other),
        }
    }
}

pub type BlobResult<T> = Result<T, BlobError>;

/// A readable blob (or a range of it).
pub struct BlobRead {
    /// Total size of the blob.
    pub size: u64,
    /// The bytes actually delivered (the whole blob or the requested range).
    pub range: Range<u64>,
    pub stream: ByteStream,
}

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Store `body` under `key`. With `limit`, a body larger than `limit` bytes is refused
    /// (`BlobError::TooLarge`) as soon as the excess arrives. On any error nothing is stored.
    async fn put(&self, key: &str, body: ByteStream, limit: Option<u64>) -> BlobResult<PutOutcome>;

    /// Read the blob, or the byte range `range` of it (clamped to the end; a range starting
    /// at or after the end is `RangeNotSatisfiable`).
    async fn get(&self, key: &str, range: Option<Range<u64>>) -> BlobResult<BlobRead>;

    /// Remove the blob; removing a missing blob is not an error.
    async fn delete(&self, key: &str) -> BlobResult<()>;

    async fn exists(&self, key: &str) -> BlobResult<bool>;

    /// Size of the blob, or None when it does not exist.
    async fn size(&self, key: &str) -> BlobResult<Option<u64>>;

    /// Short backend name for logs (`local`, `s3`).
    fn backend(&self) -> &'static str;
}

/// A fresh unique key for a new blob.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Adapt any `AsyncRead` into a body stream for `put`.
pub fn stream_from_reader<R: AsyncRead + Send + 'static>(reader: R) -> ByteStream {
    tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024).boxed()
}

/// A body stream over bytes already in memory.
pub fn stream_from_bytes(bytes: impl Into<Bytes>) -> ByteStream {
    let bytes: Bytes = bytes.into();
    futures::stream::once(async move { Ok(bytes) }).boxed()
}

/// Read a whole blob into memory (for small blobs only: thumbnails, mail parts, covers).
pub async fn read_all(store: &dyn BlobStore, key: &str, max: u64) -> BlobResult<Vec<u8>> {
    let read = store.get(key, None).await?;
    if read.size > max {
        return Err(BlobError::TooLarge { limit: max });
    }
    let mut out = Vec::with_capacity(read.size as usize);
    let mut stream = read.stream;
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.map_err(|e| BlobError::Backend(e.to_string()))?);
    }
    Ok(out)
}

/// Open the store the configuration asks for (`[blob] backend = "local" | "s3"`).
pub fn from_config(config: &Config) -> BlobResult<Arc<dyn BlobStore>> {
    match config.blob.backend.as_str() {
        "" | "local" => Ok(Arc::new(LocalBlobStore::new(config.data_dir.join("blobs")))),
        "s3" => Ok(Arc::new(S3BlobStore::new(&config.blob)?)),
        other => Err(BlobError::Backend(format!("unknown blob backend {other:?} (expected local or s3)"))),
    }
}

fn check_key(key: &str) -> BlobResult<()> {
    let ok = !key.is_empty()
        && key.len() <= 200
        && !key.starts_with('.')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok { Ok(()) } else { Err(BlobError::InvalidKey(key.to_string())) }
}

/// Running size/hash computation over a body.
struct Digests {
    size: u64,
    md5: Md5,
    sha256: Sha256,
    limit: Option<u64>,
}

impl Digests {
    fn new(limit: Option<u64>) -> Self {
        Digests { size: 0, md5: Md5::new(), sha256: Sha256::new(), limit }
    }

    fn update(&mut self, chunk: &[u8]) -> BlobResult<()> {
        self.size += chunk.len() as u64;
        if let Some(limit) = self.limit {
            if self.size > limit {
                return Err(BlobError::TooLarge { limit });
            }
        }
        self.md5.update(chunk);
        self.sha256.update(chunk);
        Ok(())
    }

    fn finish(self) -> PutOutcome {
        PutOutcome {
            size: self.size,
            md5: hex::encode(self.md5.finalize()),
            sha256: hex::encode(self.sha256.finalize()),
        }
    }
}

fn clamp_range(range: Option<Range<u64>>, size: u64) -> BlobResult<Range<u64>> {
    match range {
        None => Ok(0..size),
        Some(r) => {
            if r.start >= size || r.end <= r.start {
                if size == 0 && r.start == 0 {
                    return Ok(0..0);
                }
                return Err(BlobError::RangeNotSatisfiable { size });
            }
            Ok(r.start..r.end.min(size))
        }
    }
}

// --- local directory ---------------------------------------------------------------------

/// Blobs as files below a root directory: `root/ab/cd/<key>`, temporary files in `root/tmp`.
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalBlobStore { root: root.into() }
    }

    fn path_of(&self, key: &str) -> BlobResult<PathBuf> {
        check_key(key)?;
        let a = key.get(0..2).unwrap_or("__");
        let b = key.get(2..4).unwrap_or("__");
        Ok(self.root.join(a).join(b).join(key))
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn io_err(e: std::io::Error) -> BlobError {
    BlobError::Backend(e.to_string())
}

/// Removes the temporary file unless the upload completed.
struct TempFileGuard(Option<PathBuf>);

impl Drop for TempFileGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, key: &str, mut body: ByteStream, limit: Option<u64>) -> BlobResult<PutOutcome> {
        let final_path = self.path_of(key)?;
        let tmp_dir = self.tmp_dir();
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(io_err)?;
        let tmp_path = tmp_dir.join(format!("{key}.{}.part", new_key()));
        let mut guard = TempFileGuard(Some(tmp_path.clone()));
        let file = tokio::fs::File::create(&tmp_path).await.map_err(io_err)?;
        let mut writer = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let mut digests = Digests::new(limit);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(BlobError::Source)?;
            digests.update(&chunk)?;
            writer.write_all(&chunk).await.map_err(io_err)?;
        }
        writer.flush().await.map_err(io_err)?;
        let file = writer.into_inner();
        file.sync_all().await.map_err(io_err)?;
        drop(file);
        if let Some(parent) = final_path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io_err)?;
        }
        tokio::fs::rename(&tmp_path, &final_path).await.map_err(io_err)?;
        guard.0 = None;
        Ok(digests.finish())
    }

    async fn get(&self, key: &str, range: Option<Range<u64>>) -> BlobResult<BlobRead> {
        let path = self.path_of(key)?;
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(BlobError::NotFound(key.to_string())),
            Err(e) => return Err(io_err(e)),
        };
        let size = file.metadata().await.map_err(io_err)?.len();
        let range = clamp_range(range, size)?;
        if range.start > 0 {
            file.seek(std::io::SeekFrom::Start(range.start)).await.map_err(io_err)?;
        }
        use tokio::io::AsyncReadExt;
        let limited = file.take(range.end - range.start);
        Ok(BlobRead { size, range, stream: stream_from_reader(limited) })
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        let path = self.path_of(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(e)),
        }
    }

    async fn exists(&self, key: &str) -> BlobResult<bool> {
        Ok(self.size(key).await?.is_some())
    }

    async fn size(&self, key: &str) -> BlobResult<Option<u64>> {
        let path = self.path_of(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(e)),
        }
    }

    fn backend(&self) -> &'static str {
        "local"
    }
}

// --- S3-compatible -----------------------------------------------------------------------

use object_store::ObjectStore;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;

/// Part size of multipart uploads; bodies smaller than this go up in one request.
const S3_PART_SIZE: usize = 8 * 1024 * 1024;

pub struct S3BlobStore {
    store: AmazonS3,
}

impl S3BlobStore {
    pub fn new(cfg: &oxbow_core::config::BlobConfig) -> BlobResult<Self> {
        if cfg.s3_bucket.is_empty() {
            return Err(BlobError::Backend("[blob] s3_bucket is not set".into()));
        }
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&cfg.s3_bucket)
            .with_region(if cfg.s3_region.is_empty() { "us-east-1" } else { &cfg.s3_region });
        if !cfg.s3_access_key.is_empty() {
            builder = builder
                .with_access_key_id(&cfg.s3_access_key)
                .with_secret_access_key(&cfg.s3_secret_key);
        }
        if !cfg.s3_endpoint.is_empty() {
            // A custom endpoint (MinIO, Ceph, a local test server) is addressed path-style;
            // plain http is allowed for it.
            builder = builder
                .with_endpoint(&cfg.s3_endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(cfg.s3_endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|e| BlobError::Backend(e.to_string()))?;
        Ok(S3BlobStore { store })
    }

    fn path_of(&self, key: &str) -> BlobResult<ObjectPath> {
        check_key(key)?;
        Ok(ObjectPath::from(format!("blobs/{key}")))
    }
}

fn s3_err(key: &str, e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_string()),
        other => BlobError::Backend(other.to_string()),
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, key: &str, mut body: ByteStream, limit: Option<u64>) -> BlobResult<PutOutcome> {
        let path = self.path_of(key)?;
        let mut digests = Digests::new(limit);
        // Collect up to one part; small bodies go up with a single PUT.
        let mut first: Vec<Bytes> = Vec::new();
        let mut first_len = 0usize;
        let mut exhausted = true;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(BlobError::Source)?;
            digests.update(&chunk)?;
            first_len += chunk.len();
            first.push(chunk);
            if first_len >= S3_PART_SIZE {
                exhausted = false;
                break;
            }
        }
        if exhausted {
            let payload: object_store::PutPayload = first.into_iter().collect();
            self.store.put(&path, payload).await.map_err(|e| s3_err(key, e))?;
            return Ok(digests.finish());
        }
        let upload = self.store.put_multipart(&path).await.map_err(|e| s3_err(key, e))?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, S3_PART_SIZE);
        for chunk in first {
            writer.put(chunk);
        }
        let result: BlobResult<()> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(BlobError::Source)?;
                digests.update(&chunk)?;
                writer.wait_for_capacity(4).await.map_err(|e| s3_err(key, e))?;
                writer.put(chunk);
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                writer.finish().await.map_err(|e| s3_err(key, e))?;
                Ok(digests.finish())
            }
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    async fn get(&self, key: &str, range: Option<Range<u64>>) -> BlobResult<BlobRead> {
        let path = self.path_of(key)?;
        let meta = self.store.head(&path).await.map_err(|e| s3_err(key, e))?;
        let size = meta.size;
        let range = clamp_range(range, size)?;
        if range.is_empty() {
            return Ok(BlobRead { size, range, stream: futures::stream::empty().boxed() });
        }
        let opts = object_store::GetOptions {
            range: if range == (0..size) { None } else { Some(object_store::GetRange::Bounded(range.clone())) },
            ..Default::default()
        };
        let result = self.store.get_opts(&path, opts).await.map_err(|e| s3_err(key, e))?;
        let stream = result.into_stream().map_err(std::io::Error::other).boxed();
        Ok(BlobRead { size, range, stream })
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        let path = self.path_of(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(s3_err(key, e)),
        }
    }

    async fn exists(&self, key: &str) -> BlobResult<bool> {
        Ok(self.size(key).await?.is_some())
    }

    async fn size(&self, key: &str) -> BlobResult<Option<u64>> {
        let path = self.path_of(key)?;
        match self.store.head(&path).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3_err(key, e)),
        }
    }

    fn backend(&self) -> &'static str {
        "s3"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: Vec<&'static [u8]>) -> ByteStream {
        futures::stream::iter(parts.into_iter().map(|p| Ok(Bytes::from_static(p)))).boxed()
    }

    #[tokio::test]
    async fn local_put_get_range_delete() {
        let dir = std::env::temp_dir().join(format!("oxbow-blob-test-{}", new_key()));
        let store = LocalBlobStore::new(&dir);
        let key = new_key();
        let out = store.put(&key, chunks(vec![b"hello ", b"world"]), None).await.unwrap();
        assert_eq!(out.size, 11);
        assert_eq!(out.md5, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert!(store.exists(&key).await.unwrap());
        let read = store.get(&key, Some(6..100)).await.unwrap();
        assert_eq!(read.range, 6..11);
        let parts: Vec<Bytes> = read.stream.try_collect().await.unwrap();
        let body: Vec<u8> = parts.concat();
        assert_eq!(body, b"world");
        assert!(matches!(store.get(&key, Some(11..12)).await, Err(BlobError::RangeNotSatisfiable { size: 11 })));
        store.delete(&key).await.unwrap();
        assert!(!store.exists(&key).await.unwrap());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn local_failed_put_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("oxbow-blob-test-{}", new_key()));
        let store = LocalBlobStore::new(&dir);
        let key = new_key();
        let err = store.put(&key, chunks(vec![b"12345", b"67890"]), Some(7)).await.unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { limit: 7 }));
        let broken: ByteStream = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("connection reset")),
        ])
        .boxed();
        assert!(matches!(store.put(&key, broken, None).await, Err(BlobError::Source(_))));
        assert!(!store.exists(&key).await.unwrap());
        let leftovers = std::fs::read_dir(dir.join("tmp")).unwrap().count();
        assert_eq!(leftovers, 0);
        assert!(store.put("../escape", chunks(vec![b"x"]), None).await.is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}

// --- references ----------------------------------------------------------------------------

/// Reference counting of stored blobs in the `blobs` table. Identical content is kept once:
/// `adopt` finds an existing blob with the same SHA-256 and size and shares it.
pub mod refs {
    use crate::db::Executor;
    use crate::{execute, fetch_optional, fetch_scalars};
    use oxbow_core::OxResult;

    /// Record a blob about to be uploaded under `key` (refcount 0, no hash yet), so that an
    /// upload that never completes can be found and removed by `stale_pending`.
    pub async fn begin(mut ex: impl Executor, key: &str, now: i64) -> OxResult<()> {
        execute!(
            ex,
            "INSERT INTO blobs (blob_key, sha256, size, md5, refcount, created) VALUES ($1, '', 0, '', 0, $2)",
            key.to_string(),
            now
        )?;
        Ok(())
    }

    /// Take one reference to the uploaded content. Returns the key to store in the referencing
    /// row and, when identical content already existed, the now redundant upload key (delete it
    /// from the blob store after commit).
    pub async fn adopt(mut ex: impl Executor, key: &str, out: &super::PutOutcome) -> OxResult<(String, Option<String>)> {
        let existing: Option<(String,)> = fetch_optional!(
            ex,
            (String,),
            "UPDATE blobs SET refcount = refcount + 1 WHERE blob_key = (SELECT blob_key FROM blobs WHERE sha256 = $1 AND size = $2 AND refcount > 0 AND blob_key <> $3 ORDER BY created LIMIT 1) RETURNING blob_key",
            out.sha256.clone(),
            out.size as i64,
            key.to_string()
        )?;
        if let Some((shared,)) = existing {
            execute!(ex, "DELETE FROM blobs WHERE blob_key = $1", key.to_string())?;
            return Ok((shared, Some(key.to_string())));
        }
        execute!(
            ex,
            "UPDATE blobs SET sha256 = $2, size = $3, md5 = $4, refcount = 1 WHERE blob_key = $1",
            key.to_string(),
            out.sha256.clone(),
            out.size as i64,
            out.md5.clone()
        )?;
        Ok((key.to_string(), None))
    }

    /// One more reference to an existing blob (copies, new versions of the same bytes).
    pub async fn add(mut ex: impl Executor, key: &str) -> OxResult<()> {
        execute!(ex, "UPDATE blobs SET refcount = refcount + 1 WHERE blob_key = $1", key.to_string())?;
        Ok(())
    }

    /// Drop one reference. Returns true when it was the last one: the row is gone and the
    /// caller removes the bytes from the blob store after commit.
    pub async fn release(mut ex: impl Executor, key: &str) -> OxResult<bool> {
        let left: Option<(i64,)> = fetch_optional!(
            ex,
            (i64,),
            "UPDATE blobs SET refcount = refcount - 1 WHERE blob_key = $1 RETURNING refcount",
            key.to_string()
        )?;
        match left {
            Some((n,)) if n <= 0 => {
                execute!(ex, "DELETE FROM blobs WHERE blob_key = $1", key.to_string())?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Drop one reference inside a transaction the caller does not finish itself. A blob
    /// that lost its last reference is marked for the sweeper (`stale_pending`), which
    /// removes the bytes later.
    pub async fn release_deferred(mut ex: impl Executor, key: &str) -> OxResult<()> {
        execute!(
            ex,
            "UPDATE blobs SET refcount = refcount - 1, sha256 = CASE WHEN refcount <= 1 THEN '' ELSE sha256 END, created = CASE WHEN refcount <= 1 THEN 0 ELSE created END WHERE blob_key = $1",
            key.to_string()
        )?;
        Ok(())
    }

    /// Forget a pending upload row (the upload failed).
    pub async fn forget(mut ex: impl Executor, key: &str) -> OxResult<()> {
        execute!(ex, "DELETE FROM blobs WHERE blob_key = $1 AND refcount = 0", key.to_string())?;
        Ok(())
    }

    /// Uploads started before `before` that never completed.
    pub async fn stale_pending(mut ex: impl Executor, before: i64) -> OxResult<Vec<String>> {
        Ok(fetch_scalars!(ex, String, "SELECT blob_key FROM blobs WHERE refcount = 0 AND created < $1", before)?)
    }

    pub async fn count(mut ex: impl Executor) -> OxResult<i64> {
        let n: Vec<i64> = fetch_scalars!(ex, i64, "SELECT COUNT(*) FROM blobs WHERE refcount > 0")?;
        Ok(n.first().copied().unwrap_or(0))
    }
}
