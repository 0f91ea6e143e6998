//! Store errors.

/// What went wrong in the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A uniqueness constraint refused the write (the named constraint, e.g. `patient_mrn_key`).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database URL is not one discpath supports.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// Anything else from the driver.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data that cannot be read back (a bug or a tampered database).
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Maps a unique violation to [`StoreError::Conflict`].
    pub(crate) fn from_write(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            return Self::Conflict(db.constraint().unwrap_or("unique").to_owned());
        }
        Self::Database(error)
    }
}
