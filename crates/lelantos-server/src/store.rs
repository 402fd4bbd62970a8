//! All SQL lives here. SQLite in WAL mode: one writer connection, a few reader connections.

use lelantos_api::time::rfc3339_millis;
use lelantos_api::validate::DISK_SIZE_MB;
use lelantos_api::{
    BuildReason, BuildStatus, LogEntry, LogLevel, Sandbox, SandboxState, Template, TemplateBuild,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A storage failure. Details go to the server log, never to clients.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// Result of a store call.
pub type Result<T> = std::result::Result<T, StoreError>;

const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    "CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY,
        key_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE templates (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        key_id INTEGER NOT NULL REFERENCES api_keys(id),
        build_id TEXT NOT NULL UNIQUE,
        cpu_count INTEGER NOT NULL,
        memory_mb INTEGER NOT NULL,
        dockerfile TEXT NOT NULL,
        alias TEXT,
        build_count INTEGER NOT NULL,
        spawn_count INTEGER NOT NULL DEFAULT 0,
        last_spawned_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX templates_by_key ON templates(key_id, seq);
    CREATE TABLE aliases (
        key_id INTEGER NOT NULL,
        alias TEXT NOT NULL,
        template_id TEXT NOT NULL,
        PRIMARY KEY (key_id, alias)
    ) WITHOUT ROWID;
    CREATE INDEX aliases_by_template ON aliases(template_id);
    CREATE TABLE builds (
        id TEXT PRIMARY KEY,
        template_id TEXT NOT NULL,
        key_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        phase TEXT NOT NULL,
        error TEXT,
        reason_message TEXT,
        reason_step TEXT,
        reason_line INTEGER,
        started_at INTEGER NOT NULL,
        finished_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX builds_by_status ON builds(status);
    CREATE TABLE build_logs (
        build_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL,
        step TEXT,
        PRIMARY KEY (build_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE sandboxes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        key_id INTEGER NOT NULL,
        template_id TEXT NOT NULL,
        alias TEXT,
        cpu_count INTEGER NOT NULL,
        memory_mb INTEGER NOT NULL,
        metadata TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        end_at INTEGER NOT NULL,
        ended_at INTEGER
    );
    CREATE INDEX sandboxes_by_key ON sandboxes(key_id, seq);
    CREATE INDEX sandboxes_running ON sandboxes(state, end_at);",
];

/// Where a build is in its life (finer than the wire status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a build slot.
    Queued,
    /// A builder is working on it.
    Running,
    /// Ended (`ready` or `error`).
    Done,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Running => "running",
            Phase::Done => "done",
        }
    }
}

/// A new template with its first build.
pub struct NewTemplate<'a> {
    /// Owner.
    pub key_id: i64,
    /// Template id.
    pub template_id: &'a str,
    /// Build id.
    pub build_id: &'a str,
    /// The Dockerfile.
    pub dockerfile: &'a str,
    /// Alias to point at it.
    pub alias: Option<&'a str>,
    /// vCPUs.
    pub cpu_count: u32,
    /// Memory in MB.
    pub memory_mb: u32,
    /// Creation time (ms).
    pub now: i64,
}

/// What a queued build needs to run (used on restart).
pub struct PendingBuild {
    /// Build id.
    pub build_id: String,
    /// Template id.
    pub template_id: String,
    /// The Dockerfile.
    pub dockerfile: String,
    /// vCPUs.
    pub cpu_count: u32,
    /// Memory in MB.
    pub memory_mb: u32,
}

/// A template row as the sandbox code needs it.
pub struct TemplateRef {
    /// Template id.
    pub template_id: String,
    /// The alias the caller used, if they used one.
    pub alias: Option<String>,
    /// vCPUs.
    pub cpu_count: u32,
    /// Memory in MB.
    pub memory_mb: u32,
    /// Its build's status.
    pub status: BuildStatus,
}

/// A new sandbox.
pub struct NewSandbox<'a> {
    /// Owner.
    pub key_id: i64,
    /// Sandbox id.
    pub sandbox_id: &'a str,
    /// Template.
    pub template: &'a TemplateRef,
    /// Labels.
    pub metadata: &'a BTreeMap<String, String>,
    /// Start time (ms).
    pub now: i64,
    /// Due stop time (ms).
    pub end_at: i64,
}

/// The SQLite store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn open_conn(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves SQLite consistent (transactions roll back), so
    // the poisoned flag carries no information here.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    /// Opens (creating and migrating as needed) `dir/lelantos.db`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create data dir {}: {e}", dir.display())))?;
        let path = dir.join("lelantos.db");
        let mut writer = open_conn(&path)?;
        migrate(&mut writer)?;
        let readers = (0..4)
            .map(|_| open_conn(&path).map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Store {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
            }),
        })
    }

    fn write(&self) -> MutexGuard<'_, Connection> {
        lock(&self.inner.writer)
    }

    fn read(&self) -> MutexGuard<'_, Connection> {
        let n = self.inner.readers.len();
        let start = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(g) = self.inner.readers[(start + i) % n].try_lock() {
                return g;
            }
        }
        lock(&self.inner.readers[start % n])
    }

    // ---- API keys ----

    /// All key hashes with their ids.
    pub fn key_hashes(&self) -> Result<Vec<(i64, [u8; 32])>> {
        let conn = self.read();
        let mut st = conn.prepare("SELECT id, key_hash FROM api_keys ORDER BY id")?;
        let rows = st.query_map([], |r| {
            let id: i64 = r.get(0)?;
            let h: Vec<u8> = r.get(1)?;
            Ok((id, h))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, h) = row?;
            let arr: [u8; 32] = h
                .try_into()
                .map_err(|_| StoreError("bad key hash length".into()))?;
            out.push((id, arr));
        }
        Ok(out)
    }

    /// Stores a key hash (no-op if present); returns its id.
    pub fn add_key_hash(&self, hash: &[u8; 32], now: i64) -> Result<i64> {
        let conn = self.write();
        conn.execute(
            "INSERT INTO api_keys (key_hash, created_at) VALUES (?1, ?2) ON CONFLICT(key_hash) DO NOTHING",
            params![&hash[..], now],
        )?;
        Ok(conn.query_row(
            "SELECT id FROM api_keys WHERE key_hash = ?1",
            [&hash[..]],
            |r| r.get(0),
        )?)
    }

    // ---- templates ----

    /// Inserts a template and its build (status `building`, phase queued), moving the alias
    /// to it. Returns the stored template.
    pub fn create_template(&self, t: &NewTemplate<'_>) -> Result<Template> {
        let mut conn = self.write();
        let tx = conn.transaction()?;
        let mut build_count: u32 = 1;
        if let Some(alias) = t.alias {
            let prev: Option<u32> = tx
                .query_row(
                    "SELECT t.build_count FROM aliases a JOIN templates t ON t.id = a.template_id
                     WHERE a.key_id = ?1 AND a.alias = ?2",
                    params![t.key_id, alias],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(prev) = prev {
                build_count = prev + 1;
            }
            tx.execute(
                "INSERT INTO aliases (key_id, alias, template_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key_id, alias) DO UPDATE SET template_id = excluded.template_id",
                params![t.key_id, alias, t.template_id],
            )?;
        }
        tx.execute(
            "INSERT INTO templates (id, key_id, build_id, cpu_count, memory_mb, dockerfile, alias, build_count, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![t.template_id, t.key_id, t.build_id, t.cpu_count, t.memory_mb, t.dockerfile, t.alias, build_count, t.now],
        )?;
        tx.execute(
            "INSERT INTO builds (id, template_id, key_id, status, phase, started_at) VALUES (?1, ?2, ?3, 'building', 'queued', ?4)",
            params![t.build_id, t.template_id, t.key_id, t.now],
        )?;
        tx.commit()?;
        Ok(Template {
            template_id: t.template_id.to_string(),
            build_id: t.build_id.to_string(),
            cpu_count: t.cpu_count,
            memory_mb: t.memory_mb,
            disk_size_mb: DISK_SIZE_MB,
            public: false,
            aliases: t.alias.map(|a| vec![a.to_string()]).unwrap_or_default(),
            created_at: rfc3339_millis(t.now),
            updated_at: rfc3339_millis(t.now),
            build_count,
            spawn_count: 0,
            last_spawned_at: None,
            build_status: BuildStatus::Building,
            dockerfile: None,
        })
    }

    const TEMPLATE_COLS: &'static str = "t.id, t.build_id, t.cpu_count, t.memory_mb, t.created_at, t.updated_at, t.build_count,
         t.spawn_count, t.last_spawned_at, b.status,
         (SELECT group_concat(a.alias, char(31)) FROM aliases a WHERE a.template_id = t.id AND a.key_id = t.key_id)";

    fn template_from_row(r: &Row<'_>) -> rusqlite::Result<Template> {
        let status: String = r.get(9)?;
        let aliases: Option<String> = r.get(10)?;
        let mut aliases: Vec<String> = aliases
            .map(|s| s.split('\u{1f}').map(str::to_string).collect())
            .unwrap_or_default();
        aliases.sort();
        Ok(Template {
            template_id: r.get(0)?,
            build_id: r.get(1)?,
            cpu_count: r.get(2)?,
            memory_mb: r.get(3)?,
            disk_size_mb: DISK_SIZE_MB,
            public: false,
            aliases,
            created_at: rfc3339_millis(r.get(4)?),
            updated_at: rfc3339_millis(r.get(5)?),
            build_count: r.get(6)?,
            spawn_count: r.get(7)?,
            last_spawned_at: r.get::<_, Option<i64>>(8)?.map(rfc3339_millis),
            build_status: BuildStatus::parse(&status).unwrap_or(BuildStatus::Error),
            dockerfile: None,
        })
    }

    /// One template of `key_id`, with its Dockerfile.
    pub fn get_template(&self, key_id: i64, template_id: &str) -> Result<Option<Template>> {
        let conn = self.read();
        let sql = format!(
            "SELECT {}, t.dockerfile FROM templates t JOIN builds b ON b.id = t.build_id WHERE t.key_id = ?1 AND t.id = ?2",
            Self::TEMPLATE_COLS
        );
        let mut st = conn.prepare_cached(&sql)?;
        let t = st
            .query_row(params![key_id, template_id], |r| {
                let mut t = Self::template_from_row(r)?;
                t.dockerfile = Some(r.get(11)?);
                Ok(t)
            })
            .optional()?;
        Ok(t)
    }

    /// Templates of `key_id`, newest first, after cursor `before_seq`. Returns the page and
    /// the cursor for the next page, if there is one.
    pub fn list_templates(
        &self,
        key_id: i64,
        limit: u32,
        before_seq: Option<i64>,
    ) -> Result<(Vec<Template>, Option<i64>)> {
        let conn = self.read();
        let sql = format!(
            "SELECT {}, t.seq FROM templates t JOIN builds b ON b.id = t.build_id
             WHERE t.key_id = ?1 AND t.seq < ?2 ORDER BY t.seq DESC LIMIT ?3",
            Self::TEMPLATE_COLS
        );
        let mut st = conn.prepare_cached(&sql)?;
        let rows = st.query_map(
            params![key_id, before_seq.unwrap_or(i64::MAX), limit + 1],
            |r| Ok((Self::template_from_row(r)?, r.get::<_, i64>(11)?)),
        )?;
        let mut out = Vec::new();
        let mut last_seq = None;
        let mut more = false;
        for row in rows {
            let (t, seq) = row?;
            if out.len() == limit as usize {
                more = true;
                break;
            }
            out.push(t);
            last_seq = Some(seq);
        }
        Ok((out, if more { last_seq } else { None }))
    }

    /// Deletes a template of `key_id` with its build, logs and aliases. Returns its build id
    /// and whether that build was still running, or `None` if there is no such template.
    pub fn delete_template(
        &self,
        key_id: i64,
        template_id: &str,
    ) -> Result<Option<(String, bool)>> {
        let mut conn = self.write();
        let tx = conn.transaction()?;
        let row: Option<(String, String)> = tx
            .query_row(
                "SELECT t.build_id, b.status FROM templates t JOIN builds b ON b.id = t.build_id
                 WHERE t.key_id = ?1 AND t.id = ?2",
                params![key_id, template_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((build_id, status)) = row else {
            return Ok(None);
        };
        tx.execute("DELETE FROM build_logs WHERE build_id = ?1", [&build_id])?;
        tx.execute("DELETE FROM builds WHERE id = ?1", [&build_id])?;
        tx.execute(
            "DELETE FROM aliases WHERE key_id = ?1 AND template_id = ?2",
            params![key_id, template_id],
        )?;
        tx.execute("DELETE FROM templates WHERE id = ?1", [template_id])?;
        tx.commit()?;
        Ok(Some((build_id, status == "building")))
    }

    /// Resolves a template id or alias of `key_id`.
    pub fn resolve_template(&self, key_id: i64, id_or_alias: &str) -> Result<Option<TemplateRef>> {
        let conn = self.read();
        let mut st = conn.prepare_cached(
            "SELECT t.id, t.cpu_count, t.memory_mb, b.status FROM templates t JOIN builds b ON b.id = t.build_id
             WHERE t.key_id = ?1 AND t.id = ?2",
        )?;
        let map = |alias: Option<String>| {
            move |r: &Row<'_>| -> rusqlite::Result<TemplateRef> {
                let status: String = r.get(3)?;
                Ok(TemplateRef {
                    template_id: r.get(0)?,
                    alias: alias.clone(),
                    cpu_count: r.get(1)?,
                    memory_mb: r.get(2)?,
                    status: BuildStatus::parse(&status).unwrap_or(BuildStatus::Error),
                })
            }
        };
        if let Some(t) = st
            .query_row(params![key_id, id_or_alias], map(None))
            .optional()?
        {
            return Ok(Some(t));
        }
        let target: Option<String> = conn
            .prepare_cached("SELECT template_id FROM aliases WHERE key_id = ?1 AND alias = ?2")?
            .query_row(params![key_id, id_or_alias], |r| r.get(0))
            .optional()?;
        match target {
            Some(id) => Ok(st
                .query_row(params![key_id, id], map(Some(id_or_alias.to_string())))
                .optional()?),
            None => Ok(None),
        }
    }

    // ---- builds ----

    /// A build's status with log entries after the first `logs_offset`.
    pub fn get_build(
        &self,
        key_id: i64,
        template_id: &str,
        build_id: &str,
        logs_offset: u32,
    ) -> Result<Option<TemplateBuild>> {
        let conn = self.read();
        let mut st = conn.prepare_cached(
            "SELECT status, error, reason_message, reason_step, reason_line, started_at, finished_at
             FROM builds WHERE id = ?1 AND template_id = ?2 AND key_id = ?3",
        )?;
        let build = st
            .query_row(params![build_id, template_id, key_id], |r| {
                let status: String = r.get(0)?;
                let reason_message: Option<String> = r.get(2)?;
                let reason = match reason_message {
                    Some(message) => Some(BuildReason {
                        message,
                        step: r.get(3)?,
                        line: r.get(4)?,
                    }),
                    None => None,
                };
                Ok(TemplateBuild {
                    template_id: template_id.to_string(),
                    build_id: build_id.to_string(),
                    status: BuildStatus::parse(&status).unwrap_or(BuildStatus::Error),
                    error: r.get(1)?,
                    logs: Vec::new(),
                    reason,
                    started_at: rfc3339_millis(r.get(5)?),
                    finished_at: r.get::<_, Option<i64>>(6)?.map(rfc3339_millis),
                })
            })
            .optional()?;
        let Some(mut build) = build else {
            return Ok(None);
        };
        let mut st = conn.prepare_cached(
            "SELECT ts, level, message, step FROM build_logs WHERE build_id = ?1 AND seq >= ?2 ORDER BY seq",
        )?;
        let rows = st.query_map(params![build_id, logs_offset], |r| {
            let level: String = r.get(1)?;
            Ok(LogEntry {
                timestamp: rfc3339_millis(r.get(0)?),
                level: LogLevel::parse(&level).unwrap_or(LogLevel::Info),
                message: r.get(2)?,
                step: r.get(3)?,
            })
        })?;
        for row in rows {
            build.logs.push(row?);
        }
        Ok(Some(build))
    }

    /// Whether build `build_id` belongs to template `template_id` of `key_id`; returns its
    /// status.
    pub fn build_status(
        &self,
        key_id: i64,
        template_id: &str,
        build_id: &str,
    ) -> Result<Option<BuildStatus>> {
        let conn = self.read();
        let s: Option<String> = conn
            .prepare_cached(
                "SELECT status FROM builds WHERE id = ?1 AND template_id = ?2 AND key_id = ?3",
            )?
            .query_row(params![build_id, template_id, key_id], |r| r.get(0))
            .optional()?;
        Ok(s.map(|s| BuildStatus::parse(&s).unwrap_or(BuildStatus::Error)))
    }

    /// Number of log lines stored for a build.
    pub fn log_count(&self, build_id: &str) -> Result<u32> {
        let conn = self.read();
        let n = conn
            .prepare_cached("SELECT COUNT(*) FROM build_logs WHERE build_id = ?1")?
            .query_row([build_id], |r| r.get(0))?;
        Ok(n)
    }

    /// Appends a log line.
    pub fn append_log(
        &self,
        build_id: &str,
        seq: u32,
        ts: i64,
        level: LogLevel,
        message: &str,
        step: Option<&str>,
    ) -> Result<()> {
        let conn = self.write();
        conn.prepare_cached(
            "INSERT INTO build_logs (build_id, seq, ts, level, message, step)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM builds WHERE id = ?1)",
        )?
        .execute(params![build_id, seq, ts, level.as_str(), message, step])?;
        Ok(())
    }

    /// Marks a queued build as running. Returns false if it is no longer building.
    pub fn mark_running(&self, build_id: &str) -> Result<bool> {
        let conn = self.write();
        let n = conn
            .prepare_cached(
                "UPDATE builds SET phase = 'running' WHERE id = ?1 AND status = 'building'",
            )?
            .execute([build_id])?;
        Ok(n == 1)
    }

    /// Ends a build that is still `building`. Returns false (and changes nothing) if it had
    /// already ended — the first ending wins (e.g. a cancel beats a late success).
    pub fn finish_build(
        &self,
        build_id: &str,
        status: BuildStatus,
        error: Option<&str>,
        reason: Option<&BuildReason>,
        now: i64,
    ) -> Result<bool> {
        let mut conn = self.write();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "UPDATE builds SET status = ?2, phase = 'done', error = ?3, reason_message = ?4, reason_step = ?5,
                 reason_line = ?6, finished_at = ?7 WHERE id = ?1 AND status = 'building'",
            )?
            .execute(params![
                build_id,
                status.as_str(),
                error,
                reason.map(|r| r.message.as_str()),
                reason.and_then(|r| r.step.as_deref()),
                reason.and_then(|r| r.line),
                now
            ])?;
        if n == 1 {
            tx.prepare_cached("UPDATE templates SET updated_at = ?2 WHERE build_id = ?1")?
                .execute(params![build_id, now])?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Builds still `building`, split by phase: those never started (to queue again) and
    /// those that were running.
    pub fn unfinished_builds(&self) -> Result<(Vec<PendingBuild>, Vec<String>)> {
        let conn = self.read();
        let mut st = conn.prepare(
            "SELECT b.id, b.template_id, b.phase, t.dockerfile, t.cpu_count, t.memory_mb
             FROM builds b JOIN templates t ON t.build_id = b.id WHERE b.status = 'building' ORDER BY t.seq",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(2)?,
                PendingBuild {
                    build_id: r.get(0)?,
                    template_id: r.get(1)?,
                    dockerfile: r.get(3)?,
                    cpu_count: r.get(4)?,
                    memory_mb: r.get(5)?,
                },
            ))
        })?;
        let (mut queued, mut running) = (Vec::new(), Vec::new());
        for row in rows {
            let (phase, b) = row?;
            if phase == Phase::Queued.as_str() {
                queued.push(b);
            } else {
                running.push(b.build_id);
            }
        }
        Ok((queued, running))
    }

    // ---- sandboxes ----

    /// Inserts a running sandbox and counts the spawn on its template.
    pub fn create_sandbox(&self, s: &NewSandbox<'_>) -> Result<Sandbox> {
        let metadata = serde_json::to_string(s.metadata).map_err(|e| StoreError(e.to_string()))?;
        let mut conn = self.write();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO sandboxes (id, key_id, template_id, alias, cpu_count, memory_mb, metadata, state, started_at, end_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running', ?8, ?9)",
            params![
                s.sandbox_id,
                s.key_id,
                s.template.template_id,
                s.template.alias,
                s.template.cpu_count,
                s.template.memory_mb,
                metadata,
                s.now,
                s.end_at
            ],
        )?;
        tx.execute(
            "UPDATE templates SET spawn_count = spawn_count + 1, last_spawned_at = ?2 WHERE id = ?1",
            params![s.template.template_id, s.now],
        )?;
        tx.commit()?;
        Ok(Sandbox {
            sandbox_id: s.sandbox_id.to_string(),
            template_id: s.template.template_id.clone(),
            alias: s.template.alias.clone(),
            client_id: crate::CLIENT_ID.to_string(),
            envd_version: crate::ENVD_VERSION.to_string(),
            started_at: rfc3339_millis(s.now),
            end_at: rfc3339_millis(s.end_at),
            cpu_count: s.template.cpu_count,
            memory_mb: s.template.memory_mb,
            disk_size_mb: DISK_SIZE_MB,
            metadata: s.metadata.clone(),
            state: SandboxState::Running,
        })
    }

    const SANDBOX_COLS: &'static str =
        "id, template_id, alias, cpu_count, memory_mb, metadata, state, started_at, end_at";

    fn sandbox_from_row(r: &Row<'_>) -> rusqlite::Result<Sandbox> {
        let metadata: String = r.get(5)?;
        let state: String = r.get(6)?;
        Ok(Sandbox {
            sandbox_id: r.get(0)?,
            template_id: r.get(1)?,
            alias: r.get(2)?,
            client_id: crate::CLIENT_ID.to_string(),
            envd_version: crate::ENVD_VERSION.to_string(),
            started_at: rfc3339_millis(r.get(7)?),
            end_at: rfc3339_millis(r.get(8)?),
            cpu_count: r.get(3)?,
            memory_mb: r.get(4)?,
            disk_size_mb: DISK_SIZE_MB,
            metadata: serde_json::from_str(&metadata).unwrap_or_default(),
            state: SandboxState::parse(&state).unwrap_or(SandboxState::Stopped),
        })
    }

    /// One sandbox of `key_id`.
    pub fn get_sandbox(&self, key_id: i64, sandbox_id: &str) -> Result<Option<Sandbox>> {
        let conn = self.read();
        let sql = format!(
            "SELECT {} FROM sandboxes WHERE key_id = ?1 AND id = ?2",
            Self::SANDBOX_COLS
        );
        let s = conn
            .prepare_cached(&sql)?
            .query_row(params![key_id, sandbox_id], Self::sandbox_from_row)
            .optional()?;
        Ok(s)
    }

    /// Sandboxes of `key_id` in one of `states`, newest first (the newest 1000).
    pub fn list_sandboxes(&self, key_id: i64, states: &[SandboxState]) -> Result<Vec<Sandbox>> {
        let conn = self.read();
        // The states are the enum's own spellings, never user text.
        let wanted: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let sql = format!(
            "SELECT {} FROM sandboxes WHERE key_id = ?1 AND state IN ({}) ORDER BY seq DESC LIMIT 1000",
            Self::SANDBOX_COLS,
            wanted.join(",")
        );
        let mut st = conn.prepare_cached(&sql)?;
        let rows = st.query_map([key_id], Self::sandbox_from_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Into::into)
    }

    /// Kills a running sandbox of `key_id`. `Ok(None)`: no such sandbox; `Ok(Some(false))`:
    /// it had already ended.
    pub fn kill_sandbox(&self, key_id: i64, sandbox_id: &str, now: i64) -> Result<Option<bool>> {
        let conn = self.write();
        let n = conn.execute(
            "UPDATE sandboxes SET state = 'killed', ended_at = ?3 WHERE key_id = ?1 AND id = ?2 AND state = 'running'",
            params![key_id, sandbox_id, now],
        )?;
        if n == 1 {
            return Ok(Some(true));
        }
        let exists: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM sandboxes WHERE key_id = ?1 AND id = ?2",
                params![key_id, sandbox_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(exists.map(|_| false))
    }

    /// Marks running sandboxes whose end time has passed as `stopped`; returns their ids and
    /// templates.
    pub fn reap_sandboxes(&self, now: i64) -> Result<Vec<(String, String)>> {
        let conn = self.write();
        let mut st = conn.prepare_cached(
            "UPDATE sandboxes SET state = 'stopped', ended_at = ?1 WHERE state = 'running' AND end_at <= ?1 RETURNING id, template_id",
        )?;
        let rows = st.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<Vec<(String, String)>>>()
            .map_err(Into::into)
    }

    /// The template of a sandbox (any key), if the sandbox exists.
    pub fn sandbox_template(&self, sandbox_id: &str) -> Result<Option<String>> {
        let conn = self.read();
        conn.query_row(
            "SELECT template_id FROM sandboxes WHERE id = ?1",
            [sandbox_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(Into::into)
    }

    /// Whether a template's image is still needed: the template exists, or a sandbox started
    /// from it is running.
    pub fn image_in_use(&self, template_id: &str) -> Result<bool> {
        let conn = self.read();
        let used: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM templates WHERE id = ?1)
                 OR EXISTS (SELECT 1 FROM sandboxes WHERE template_id = ?1 AND state = 'running')",
            [template_id],
            |r| r.get(0),
        )?;
        Ok(used)
    }

    /// Marks a running sandbox (any key) `stopped` because its process ended; returns its
    /// template when this call changed it.
    pub fn sandbox_exited(&self, sandbox_id: &str, now: i64) -> Result<Option<String>> {
        let conn = self.write();
        conn.query_row(
            "UPDATE sandboxes SET state = 'stopped', ended_at = ?2 WHERE id = ?1 AND state = 'running' RETURNING template_id",
            params![sandbox_id, now],
            |r| r.get(0),
        )
        .optional()
        .map_err(Into::into)
    }

    /// Running sandboxes (any key): the ids a runtime should have alive.
    pub fn running_sandbox_ids(&self) -> Result<Vec<String>> {
        let conn = self.read();
        let mut st = conn.prepare_cached("SELECT id FROM sandboxes WHERE state = 'running'")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<String>>>()
            .map_err(Into::into)
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version as usize > MIGRATIONS.len() {
        return Err(StoreError(format!(
            "the database schema is version {version}, newer than this server knows ({}); use a newer lelantos-server",
            MIGRATIONS.len()
        )));
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(m)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    tx.commit()?;
    Ok(())
}
