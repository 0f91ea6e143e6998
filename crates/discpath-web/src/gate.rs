//! A gate: at most so many at once of something costly (password hashes, upload bodies in
//! memory); a caller waits briefly for a place, then is answered 503 with `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// At most so many at once.
pub(crate) struct Gate {
    places: Arc<Semaphore>,
    wait: Duration,
}

impl Gate {
    pub(crate) fn new(places: usize, wait: Duration) -> Self {
        Self { places: Arc::new(Semaphore::new(places.max(1))), wait }
    }

    /// A place, held until the permit is dropped; `Busy` after the wait.
    pub(crate) async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        tokio::time::timeout(self.wait, Arc::clone(&self.places).acquire_owned())
            .await
            .map_err(|_| ApiError::Busy)?
            .map_err(|_| ApiError::Busy)
    }
}
