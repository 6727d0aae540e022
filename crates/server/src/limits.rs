//! The server's limits: request sizes, connections and timeouts. The guard in `lib.rs` and the
//! parser's own refusals (`refusal.rs`) both read them.

use std::time::Duration;

/// Longest request target served; longer ones get a JSON 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header bytes (names and values) and headers a request may carry; more get a JSON 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
pub const MAX_HEADERS: usize = 64;
/// The parser's own backstop, far above the limits above so that they, and their JSON answers,
/// apply first: hyper answers a head beyond these itself, without a body ([`crate::refusal`] gives it
/// one).
pub(crate) const PARSER_BUFFER_BYTES: usize = 1024 * 1024;
pub(crate) const PARSER_MAX_HEADERS: usize = 1024;
/// hyper's own limit of a request target (fixed: `u16::MAX - 1`).
pub(crate) const PARSER_MAX_URI_BYTES: usize = 65_534;

/// Connections served at once; more wait in the kernel's queue. With the largest answers
/// (a layer of a few MB) this bounds the memory that slow readers can pin. When all are taken,
/// a new client makes the idle keep-alive ones close (and busy ones close after their answer).
pub const MAX_CONNECTIONS: usize = 32;
/// Time a client has to send a request's headers (slowloris).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest life of a connection, reading and writing included (a stalled reader is dropped).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
