//! Server-rendered HTML pages (placeholder until the pages land).

use crate::AppState;
use axum::Router;
use std::path::PathBuf;

pub struct Templates;

impl Templates {
    pub fn new() -> Self {
        Templates
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

pub fn router(_static_dir: PathBuf) -> Router<AppState> {
    Router::new()
}
