//! hyper refuses a request head beyond its parser's limits itself, before any service sees it: a
//! target over [`PARSER_MAX_URI_BYTES`] gets an empty 414, a head over [`PARSER_BUFFER_BYTES`]
//! or [`PARSER_MAX_HEADERS`] headers an empty 431, and the connection is closed. [`Answering`]
//! sits between hyper and the socket and puts the server's JSON error in place of that answer.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use crate::limits::{
    MAX_HEADERS, MAX_HEADER_BYTES, MAX_URI_BYTES, PARSER_BUFFER_BYTES, PARSER_MAX_HEADERS,
    PARSER_MAX_URI_BYTES,
};

/// How long the rest of a refused request is read and dropped before the socket closes: closing
/// with unread bytes resets the connection, and the client may lose the answer with it.
const LINGER: Duration = Duration::from_secs(2);

/// A connection's socket as hyper sees it, hyper's own 414 and 431 swapped for JSON ones. It
/// takes vectored writes as the socket does, so that hyper keeps sending a shared answer (a
/// whole layer) from the one copy instead of copying it into each connection's buffer.
pub(crate) struct Answering<S> {
    stream: S,
    refusal: Option<Refusal>,
}

/// The JSON answer written in hyper's place.
struct Refusal {
    bytes: Vec<u8>,
    written: usize,
    shut_down: bool,
    linger: Pin<Box<Sleep>>,
}

impl<S> Answering<S> {
    pub(crate) fn new(stream: S) -> Self {
        Answering {
            stream,
            refusal: None,
        }
    }
}

impl<S: AsyncWrite + Unpin> Answering<S> {
    /// Writes what is left of the JSON answer, if any.
    fn poll_refusal(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(refusal) = self.refusal.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        while refusal.written < refusal.bytes.len() {
            let rest = &refusal.bytes[refusal.written..];
            match ready!(Pin::new(&mut self.stream).poll_write(cx, rest))? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => refusal.written += n,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Answering<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Answering<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_refusal(cx))?;
        if this.refusal.is_none() {
            match bare_refusal(buf) {
                // What comes before it (an earlier answer) goes out as it is.
                Some(start) if start > 0 => {
                    return Pin::new(&mut this.stream).poll_write(cx, &buf[..start])
                }
                Some(_) => {
                    this.refusal = Some(Refusal {
                        bytes: json_refusal(buf),
                        written: 0,
                        shut_down: false,
                        linger: Box::pin(tokio::time::sleep(LINGER)),
                    });
                    // Taken: hyper flushes, and so writes the JSON answer, next.
                    return Poll::Ready(Ok(buf.len()));
                }
                None => {}
            }
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // hyper's refusal has no body: it can only be the end of the last slice, its head.
        let last = bufs.iter().rposition(|b| !b.is_empty());
        match last {
            Some(last) if self.refusal.is_none() && bare_refusal(&bufs[last]).is_some() => {
                if bufs[..last].iter().any(|b| !b.is_empty()) {
                    ready!(self.poll_refusal(cx))?;
                    Pin::new(&mut self.stream).poll_write_vectored(cx, &bufs[..last])
                } else {
                    self.poll_write(cx, &bufs[last])
                }
            }
            _ => {
                ready!(self.poll_refusal(cx))?;
                Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_refusal(cx))?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.poll_refusal(cx))?;
        let Some(refusal) = this.refusal.as_mut() else {
            return Pin::new(&mut this.stream).poll_shutdown(cx);
        };
        if !refusal.shut_down {
            ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
            refusal.shut_down = true;
        }
        // The socket's reads yield to the scheduler now and then, so the timer gets to fire.
        let mut scratch = [0; 8192];
        while refusal.linger.as_mut().poll(cx).is_pending() {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => {}
                Poll::Ready(_) => break,
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// Where hyper's own refusal starts in bytes it writes, if they end with one: a 414 or 431 head
/// without a body (hyper closes the connection after it; the server's own 414 and 431 have a
/// JSON body). Only the end is searched, so that large answers cost nothing.
fn bare_refusal(written: &[u8]) -> Option<usize> {
    if !written.ends_with(b"\r\n\r\n") {
        return None;
    }
    let from = written.len().saturating_sub(512);
    let start = from + written[from..].windows(7).rposition(|w| w == b"HTTP/1.")?;
    let head = &written[start..];
    let status = head.get(8..13)?;
    let one_head = head.windows(4).position(|w| w == b"\r\n\r\n") == Some(head.len() - 4);
    let empty = head
        .to_ascii_lowercase()
        .windows(21)
        .any(|w| w == b"\r\ncontent-length: 0\r\n");
    ((status == b" 414 " || status == b" 431 ") && one_head && empty).then_some(start)
}

/// The server's answer in place of hyper's `head`: its status line, the security headers and a
/// JSON body saying what is served.
fn json_refusal(head: &[u8]) -> Vec<u8> {
    let status_line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let message = if status_line.get(9..12) == Some(b"414") {
        format!(
            "the request target is over {PARSER_MAX_URI_BYTES} bytes; at most {MAX_URI_BYTES} are served"
        )
    } else {
        format!(
            "the request head is over {PARSER_BUFFER_BYTES} bytes or {PARSER_MAX_HEADERS} headers; at most {MAX_HEADERS} headers of {MAX_HEADER_BYTES} bytes are served"
        )
    };
    let body = json!({ "error": message }).to_string();
    let mut answer = status_line.to_vec();
    answer.extend_from_slice(
        format!(
            "\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nx-content-type-options: nosniff\r\nx-frame-options: DENY\r\nreferrer-policy: no-referrer\r\ncontent-security-policy: default-src 'none'; frame-ancestors 'none'\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const BARE_431: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 15:49:10 GMT\r\n\r\n";

    /// What the client reads when hyper writes `written` and closes.
    async fn client_reads(written: &[u8]) -> String {
        client_reads_parts(&[written], false).await
    }

    /// What the client reads when hyper writes `parts`, one after the other or `vectored`, and
    /// closes.
    async fn client_reads_parts(parts: &[&[u8]], vectored: bool) -> String {
        let (server, mut client) = tokio::io::duplex(64 * 1024);
        // The client has sent all it had: the server need not linger.
        client.shutdown().await.unwrap();
        let mut answering = Answering::new(server);
        if vectored {
            let total: usize = parts.iter().map(|p| p.len()).sum();
            let mut done = 0;
            while done < total {
                // What is left of the parts from byte `done` on, as hyper advances its slices.
                let mut start = 0;
                let slices: Vec<IoSlice> = parts
                    .iter()
                    .filter_map(|part| {
                        let from = done.saturating_sub(start).min(part.len());
                        start += part.len();
                        Some(IoSlice::new(&part[from..])).filter(|s| !s.is_empty())
                    })
                    .collect();
                done += answering.write_vectored(&slices).await.unwrap();
            }
        } else {
            for part in parts {
                answering.write_all(part).await.unwrap();
            }
        }
        answering.shutdown().await.unwrap();
        drop(answering);
        let mut read = String::new();
        client.read_to_string(&mut read).await.unwrap();
        read
    }

    #[tokio::test]
    async fn hypers_bare_refusals_become_json() {
        let read = client_reads(BARE_431).await;
        let (head, body) = read.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let error: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(error["error"]
            .as_str()
            .unwrap()
            .contains("at most 64 headers"));

        let bare_414 =
            b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        let read = client_reads(bare_414).await;
        assert!(read.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{read}");
        assert!(
            read.contains("\"the request target is over 65534 bytes"),
            "{read}"
        );

        // An answer that went before it in the same write passes unchanged.
        let earlier = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let flat = [&earlier[..], BARE_431].concat();
        for (parts, vectored) in [
            (vec![&flat[..]], false),
            (vec![&earlier[..], BARE_431], true),
            (vec![&flat[..]], true),
        ] {
            let read = client_reads_parts(&parts, vectored).await;
            let (first, refusal) = read.split_at(earlier.len());
            assert_eq!(first.as_bytes(), earlier, "{read}");
            assert!(
                refusal.starts_with("HTTP/1.1 431 ") && refusal.ends_with('}'),
                "{read}"
            );
        }
    }

    #[tokio::test]
    async fn other_answers_pass_unchanged() {
        for written in [
            &b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 9\r\n\r\n{\"a\":\"b\"}"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\n\r\n",
        ] {
            assert_eq!(client_reads(written).await.as_bytes(), written);
        }
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n";
        let read = client_reads_parts(&[head, b"{}"], true).await;
        assert_eq!(read.as_bytes(), [&head[..], b"{}"].concat());
    }
}
