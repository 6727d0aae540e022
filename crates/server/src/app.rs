//! What the server's handlers share: the results folder, the basemap, the cache of whole-layer
//! answers and the case register. Below the handlers (`api`, `ogc`, `cases`), which read it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;

use crate::register::Cases;
use crate::results::Results;

/// What the handlers share.
pub struct App {
    pub results: Results,
    /// An optional basemap tile URL template (`https://…/{z}/{x}/{y}.png`), given by the user.
    pub tiles: Option<String>,
    /// Whole-layer answers, built once and shared.
    pub layer_cache: LayerCache,
    /// The case register, when served (`--cases DB`); without it the server is read-only.
    pub cases: Option<Arc<Cases>>,
}

/// Most bytes of whole-layer answers kept (beyond it answers are built per request).
pub const LAYER_CACHE_BYTES: usize = 256 * 1024 * 1024;

/// Whole-layer answers, serialised once per layer and simplification and shared by every
/// request for them: a large layer is then held once, however many clients read it slowly
/// (each connection only holds a reference while it drains).
#[derive(Default)]
pub struct LayerCache {
    answers: Mutex<HashMap<(String, u64), Bytes>>,
}

impl LayerCache {
    pub(crate) fn get(&self, key: &(String, u64)) -> Option<Bytes> {
        self.answers.lock().ok()?.get(key).cloned()
    }

    pub(crate) fn put(&self, key: (String, u64), body: Bytes) {
        let Ok(mut answers) = self.answers.lock() else {
            return;
        };
        let held: usize = answers.values().map(Bytes::len).sum();
        if held + body.len() <= LAYER_CACHE_BYTES {
            answers.insert(key, body);
        }
    }
}
