//! The case register as the server holds it: the register of `borderscape-cases` under a
//! mutex, the sessions in memory and the login failures, with the limits on each. The case API
//! (`cases.rs`) and the server's shared state (`app.rs`) both stand on it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use borderscape_cases::accounts::{new_token, token_hash};
use borderscape_cases::{Actor, Store};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "borderscape_session";
/// How long a session lasts from its login.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Most sessions kept; beyond, the one ending first is dropped.
pub const MAX_SESSIONS: usize = 10_000;
/// Most sessions of one user (one account logging in again and again cannot push others out);
/// beyond, that user's oldest is dropped.
pub const MAX_SESSIONS_PER_USER: usize = 20;
/// Most cases in one answer of `GET /api/cases` (page with `offset`).
pub const MAX_CASES: usize = 10_000;
/// Most audit entries in one answer of `GET /api/audit` (page with `after`).
pub const MAX_AUDIT_ENTRIES: i64 = 1_000;
/// Largest request body accepted (a case, a comment of [`borderscape_cases::store::MAX_TEXT_CHARS`]
/// characters of up to 4 bytes and some JSON around it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Failed logins for one name before each further one locks the name for a while.
pub const FREE_LOGIN_FAILURES: u32 = 5;
/// The longest lock-out: it doubles from 1 s with each failure beyond the free ones.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(300);
/// Names whose failures are remembered at most (older, expired ones are forgotten first).
const MAX_FAILURE_NAMES: usize = 10_000;

/// A logged-in browser.
struct Session {
    actor: Actor,
    csrf: String,
    expires: Instant,
}

/// Recent failed logins of one name.
struct Failures {
    count: u32,
    locked_until: Instant,
}

/// The register and the server's own state about who is logged in.
pub struct Cases {
    pub(crate) store: Mutex<Store>,
    /// The register as named in messages (kept apart so that refusing needs no lock).
    pub(crate) db: String,
    /// By the SHA-256 of the session id (the cookie's value).
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, Failures>>,
}

/// A mutex's content, also after a thread panicked holding it (the register's transactions
/// roll back on their own, so its state stays consistent).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Cases {
    pub fn new(store: Store) -> Cases {
        Cases {
            db: store.db().to_string(),
            store: Mutex::new(store),
            sessions: Mutex::default(),
            failures: Mutex::default(),
        }
    }

    /// Opens a session: its id (the cookie) and CSRF token.
    pub(crate) fn open_session(&self, actor: Actor) -> (String, String) {
        let (id, csrf) = (new_token(), new_token());
        let now = Instant::now();
        let mut sessions = lock(&self.sessions);
        sessions.retain(|_, s| s.expires > now);
        let users = sessions
            .values()
            .filter(|s| s.actor.name == actor.name)
            .count();
        if sessions.len() >= MAX_SESSIONS || users >= MAX_SESSIONS_PER_USER {
            let own = users >= MAX_SESSIONS_PER_USER;
            let first = sessions
                .iter()
                .filter(|(_, s)| !own || s.actor.name == actor.name)
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone());
            if let Some(first) = first {
                sessions.remove(&first);
            }
        }
        sessions.insert(
            token_hash(&id),
            Session {
                actor,
                csrf: csrf.clone(),
                expires: now + SESSION_LIFETIME,
            },
        );
        (id, csrf)
    }

    /// The live session of a cookie value: its actor and CSRF token.
    pub(crate) fn session(&self, id: &str) -> Option<(Actor, String)> {
        let sessions = lock(&self.sessions);
        sessions
            .get(&token_hash(id))
            .filter(|s| s.expires > Instant::now())
            .map(|s| (s.actor.clone(), s.csrf.clone()))
    }

    /// Ends the session of `id` (the cookie's value), if it is one.
    pub(crate) fn end_session(&self, id: &str) {
        lock(&self.sessions).remove(&token_hash(id));
    }

    /// Counts a login attempt for `name` before its password is checked (so parallel attempts
    /// cannot all pass the check), or how long the name is still locked out. Beyond
    /// [`FREE_LOGIN_FAILURES`] attempts without a success, each one locks the name for a
    /// doubling while; a success forgets them.
    pub(crate) fn attempt(&self, name: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = lock(&self.failures);
        if let Some(left) = failures
            .get(name)
            .and_then(|f| f.locked_until.checked_duration_since(now))
            .filter(|left| !left.is_zero())
        {
            return Err(left);
        }
        if failures.len() >= MAX_FAILURE_NAMES {
            failures.retain(|_, f| f.locked_until > now);
            if failures.len() >= MAX_FAILURE_NAMES {
                // Full of locked names: refuse until some expire rather than forget them.
                return Err(Duration::from_secs(1));
            }
        }
        let entry = failures.entry(name.to_string()).or_insert(Failures {
            count: 0,
            locked_until: now,
        });
        entry.count += 1;
        if let Some(beyond) = entry.count.checked_sub(FREE_LOGIN_FAILURES + 1) {
            let lockout = Duration::from_secs(1u64 << beyond.min(16)).min(MAX_LOCKOUT);
            entry.locked_until = now + lockout;
        }
        Ok(())
    }

    pub(crate) fn forget_failures(&self, name: &str) {
        lock(&self.failures).remove(name);
    }
}
