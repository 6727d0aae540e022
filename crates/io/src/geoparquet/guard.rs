//! What a Parquet file declares, checked against the [`Limits`] before a page is decoded: rows
//! per row group, where the column chunks lie, the decompressed bytes the footer and every page
//! header declare, and the bytes the values decode to. The Parquet crate trusts all of these (it
//! allocates a page at the size its header gives, and its Brotli codec writes past that size, as
//! far as the stream goes), so a bomb is refused here, from the numbers, in the time it takes to
//! read the headers. Its gzip and LZ4 codecs write past it too, but cannot pass 1,032:1 and
//! 255:1 of the stored page, within the ratio the limits allow.

use std::io::{self, Read};
use std::path::Path;

use parquet::arrow::ProjectionMask;
use parquet::basic::{Compression, Type};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::ChunkReader;

use super::BATCH_ROWS;
use crate::error::IoError;
use crate::limits::{over, Limits};

/// The most bytes one batch of decoded values may take, whatever its rows: batches of wide rows
/// (many columns, or strings that DELTA_BYTE_ARRAY pages repeat) get fewer rows.
const BATCH_BYTES: u64 = 64 << 20;

/// How a file may be read: rows per batch (at most [`BATCH_ROWS`]), and the bytes its decoded
/// values may reach in all.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    pub batch_rows: usize,
    /// [`Limits::decompression_ratio`] × the file's size.
    pub work: u64,
    pub file_len: u64,
}

/// Checks the projected column chunks of a file; `whole` when the read keeps every row at once
/// (not in parts), so that [`Limits::decoded_bytes`] applies to the whole file.
pub(super) fn check<R: ChunkReader>(
    source: &R,
    path: &Path,
    metadata: &ParquetMetaData,
    projection: &ProjectionMask,
    limits: &Limits,
    whole: bool,
) -> Result<Plan, IoError> {
    let file_len = source.len();
    let work = limits.expanded(file_len);
    let refuse = |message: String| IoError::file(path, message);
    let ratio = |declared: u64| declared / file_len.max(1);

    // The footer: rows, byte ranges and declared sizes, before any page is read.
    let mut chunks = Vec::new();
    let mut declared = 0u64;
    for (g, group) in metadata.row_groups().iter().enumerate() {
        let rows = group.num_rows();
        if rows < 0 || rows as u64 > limits.row_group_rows {
            return Err(refuse(format!(
                "row group {g} declares {rows} rows, {}",
                over("row_group_rows", limits.row_group_rows)
            )));
        }
        for (c, chunk) in group.columns().iter().enumerate() {
            if !projection.leaf_included(c) {
                continue;
            }
            let at = || format!("row group {g}, column `{}`", chunk.column_path().string());
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or(chunk.data_page_offset());
            let (len, size) = (chunk.compressed_size(), chunk.uncompressed_size());
            let end = start.checked_add(len);
            if start < 0 || len < 0 || size < 0 || end.is_none_or(|e| e as u64 > file_len) {
                return Err(refuse(format!(
                    "{}: {len} bytes at {start}, {size} decompressed, do not lie in the file of {file_len} bytes",
                    at()
                )));
            }
            declared = declared.saturating_add(size as u64);
            chunks.push((g, c, start as u64, len as u64));
        }
    }
    if declared > work {
        return Err(refuse(format!(
            "its row groups declare {declared} bytes of pages decompressed from {file_len} bytes ({}:1), {}",
            ratio(declared),
            over("decompression_ratio", limits.decompression_ratio)
        )));
    }

    // The page headers, which may claim more than the footer, and what the values decode to.
    let mut pages = 0u64;
    let mut decoded = 0u64;
    let mut row_bytes = vec![0u64; metadata.file_metadata().schema_descr().num_columns()];
    for (g, c, start, len) in chunks {
        let chunk = metadata.row_group(g).column(c);
        let at = || format!("row group {g}, column `{}`", chunk.column_path().string());
        let kind = chunk.column_type();
        let width = match kind {
            Type::BOOLEAN => 1,
            Type::INT32 | Type::FLOAT => 4,
            Type::INT64 | Type::DOUBLE => 8,
            Type::INT96 => 12,
            Type::FIXED_LEN_BYTE_ARRAY => chunk.column_descr().type_length().max(0) as u64,
            // A string or binary value is read as a 16-byte view of its page's bytes.
            Type::BYTE_ARRAY => 16,
        };
        let mut widest = width;
        let (mut offset, end) = (start, start + len);
        let mut page = 0;
        while offset < end {
            let read = source
                .get_read(offset)
                .map_err(|e| refuse(format!("{}: Parquet: {e}", at())))?;
            let header = PageHeader::read(read.take(end - offset))
                .map_err(|e| refuse(format!("{}: page {page}: header: {e}", at())))?;
            let body = offset + header.length;
            let (size, stored) = (header.uncompressed, header.compressed);
            if size < 0 || stored < 0 || body + stored as u64 > end {
                return Err(refuse(format!(
                    "{}: page {page} ({stored} bytes, {size} decompressed) does not lie in its column chunk",
                    at()
                )));
            }
            let (size, stored) = (size as u64, stored as u64);
            pages = pages.saturating_add(size);
            if pages > work {
                return Err(refuse(format!(
                    "{}: page {page}: the page headers declare {pages} bytes decompressed from {file_len} bytes ({}:1), {}",
                    at(),
                    ratio(pages),
                    over("decompression_ratio", limits.decompression_ratio)
                )));
            }
            // A v2 page stores its levels uncompressed ahead of the values' stream.
            let levels = header.levels.clamp(0, stored.min(size) as i64) as u64;
            if matches!(chunk.compression(), Compression::BROTLI(_)) && header.compressed_values {
                let stream = source
                    .get_read(body + levels)
                    .map_err(|e| refuse(format!("{}: Parquet: {e}", at())))?;
                if brotli_exceeds(stream.take(stored - levels), size - levels)
                    .map_err(|e| refuse(format!("{}: page {page}: Brotli: {e}", at())))?
                {
                    return Err(refuse(format!(
                        "{}: page {page} decompresses to more than the {size} bytes its header declares",
                        at()
                    )));
                }
            }
            let values = header.num_values.max(0) as u64;
            decoded = decoded.saturating_add(match (header.kind, kind) {
                (PAGE_DATA | PAGE_DATA_V2, Type::BYTE_ARRAY) => size + values * width,
                (PAGE_DATA | PAGE_DATA_V2, _) => values * width,
                (PAGE_DICTIONARY, _) => size,
                _ => 0,
            });
            // DELTA_BYTE_ARRAY repeats prefixes: one value may be as long as its page.
            if header.encoding == DELTA_BYTE_ARRAY {
                widest = widest.max(width + size);
            }
            offset = body + stored;
            page += 1;
        }
        row_bytes[c] = row_bytes[c].max(widest);
        if decoded > work {
            return Err(refuse(format!(
                "{}: the values declared so far decode to {decoded} bytes from {file_len} bytes ({}:1), {}",
                at(),
                ratio(decoded),
                over("decompression_ratio", limits.decompression_ratio)
            )));
        }
        if whole && decoded > limits.decoded_bytes {
            return Err(refuse(format!(
                "{}: the values declared so far decode to {decoded} bytes, {}",
                at(),
                over("decoded_bytes", limits.decoded_bytes)
            )));
        }
    }
    let row: u64 = row_bytes.iter().sum();
    let batch_rows = (BATCH_BYTES / row.max(1)).clamp(1, BATCH_ROWS as u64) as usize;
    Ok(Plan {
        batch_rows,
        work,
        file_len,
    })
}

/// Whether a Brotli stream decompresses to more than `size` bytes; the Parquet crate's Brotli
/// codec reads a page to its end, however far beyond its header's size that is.
fn brotli_exceeds(stream: impl Read, size: u64) -> io::Result<bool> {
    let mut decoder = brotli::Decompressor::new(stream, 4096);
    let written = io::copy(&mut (&mut decoder).take(size + 1), &mut io::sink())?;
    Ok(written > size)
}

const PAGE_DATA: i32 = 0;
const PAGE_DICTIONARY: i32 = 2;
const PAGE_DATA_V2: i32 = 3;
const DELTA_BYTE_ARRAY: i32 = 7;

/// The fields of a Parquet page header that bound its work (parquet.thrift `PageHeader`).
#[derive(Debug, PartialEq)]
struct PageHeader {
    kind: i32,
    uncompressed: i32,
    compressed: i32,
    num_values: i32,
    encoding: i32,
    /// Bytes of repetition and definition levels ahead of the values (v2 pages), and whether
    /// the values are compressed (v2 pages may say not).
    levels: i64,
    compressed_values: bool,
    /// Bytes of the header itself.
    length: u64,
}

impl PageHeader {
    /// Reads a header in Thrift's compact protocol, skipping the fields not needed (statistics
    /// among them) without allocating for them: a length that runs past the input is an error,
    /// not an allocation.
    fn read(input: impl Read) -> Result<PageHeader, String> {
        let mut thrift = Compact { input, read: 0 };
        let mut header = PageHeader {
            kind: 0,
            uncompressed: 0,
            compressed: 0,
            num_values: 0,
            encoding: 0,
            levels: 0,
            compressed_values: true,
            length: 0,
        };
        thrift.fields(0, &mut |thrift, id, kind| {
            match id {
                1 => header.kind = thrift.int(kind)?,
                2 => header.uncompressed = thrift.int(kind)?,
                3 => header.compressed = thrift.int(kind)?,
                5 | 7 | 8 if kind == STRUCT => {
                    // DataPageHeader, DictionaryPageHeader: 1 num_values, 2 encoding;
                    // DataPageHeaderV2: 1 num_values, 4 encoding, 5 and 6 the levels' bytes,
                    // 7 is_compressed.
                    let v2 = id == 8;
                    thrift.fields(1, &mut |thrift, inner, kind| {
                        match (inner, v2) {
                            (1, _) => header.num_values = thrift.int(kind)?,
                            (2, false) | (4, true) => header.encoding = thrift.int(kind)?,
                            (5 | 6, true) => header.levels += i64::from(thrift.int(kind)?),
                            (7, true) if matches!(kind, 1 | 2) => {
                                header.compressed_values = kind == 1
                            }
                            _ => thrift.skip(kind, 2)?,
                        }
                        Ok(())
                    })?
                }
                _ => thrift.skip(kind, 1)?,
            }
            Ok(())
        })?;
        header.length = thrift.read;
        Ok(header)
    }
}

/// Compact-protocol type ids.
const STRUCT: u8 = 12;
/// Nesting deeper than this is not a page header.
const MAX_DEPTH: u32 = 32;

/// A reader of Thrift's compact protocol that counts the bytes it reads.
struct Compact<R> {
    input: R,
    read: u64,
}

impl<R: Read> Compact<R> {
    fn byte(&mut self) -> Result<u8, String> {
        let mut b = [0u8];
        self.input
            .read_exact(&mut b)
            .map_err(|_| "ends early".to_string())?;
        self.read += 1;
        Ok(b[0])
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a varint longer than 10 bytes".into())
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// An i8, i16 or i32 field's value.
    fn int(&mut self, kind: u8) -> Result<i32, String> {
        let value = match kind {
            3 => i64::from(self.byte()? as i8),
            4 | 5 => self.zigzag()?,
            other => return Err(format!("an integer field has type {other}")),
        };
        i32::try_from(value).map_err(|_| format!("{value} is not a 32-bit integer"))
    }

    /// The fields of a struct, each handed to `field` with its id and type until the stop byte.
    fn fields(
        &mut self,
        depth: u32,
        field: &mut dyn FnMut(&mut Self, i16, u8) -> Result<(), String>,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        let mut id = 0i16;
        loop {
            let b = self.byte()?;
            if b == 0 {
                return Ok(());
            }
            id = match b >> 4 {
                0 => i16::try_from(self.zigzag()?).map_err(|_| "a field id out of range")?,
                delta => id.wrapping_add(i16::from(delta)),
            };
            field(self, id, b & 0x0f)?;
        }
    }

    fn skip(&mut self, kind: u8, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        match kind {
            // Booleans are in the field's type; inside a list each takes a byte.
            1 | 2 => {}
            3 => {
                self.byte()?;
            }
            4..=6 => {
                self.varint()?;
            }
            7 => {
                for _ in 0..8 {
                    self.byte()?;
                }
            }
            8 => {
                let len = self.varint()?;
                let skipped = io::copy(&mut (&mut self.input).take(len), &mut io::sink())
                    .map_err(|e| e.to_string())?;
                if skipped < len {
                    return Err("ends early".into());
                }
                self.read += len;
            }
            9 | 10 => {
                let b = self.byte()?;
                let size = match b >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                let element = b & 0x0f;
                for _ in 0..size {
                    match element {
                        1 | 2 => {
                            self.byte()?;
                        }
                        other => self.skip(other, depth + 1)?,
                    }
                }
            }
            11 => {
                let size = self.varint()?;
                if size > 0 {
                    let b = self.byte()?;
                    for _ in 0..size {
                        self.skip(b >> 4, depth + 1)?;
                        self.skip(b & 0x0f, depth + 1)?;
                    }
                }
            }
            STRUCT => self.fields(depth + 1, &mut |thrift, _, kind| {
                thrift.skip(kind, depth + 1)
            })?,
            other => return Err(format!("unknown Thrift type {other}")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_headers_are_read_and_lies_refused() {
        // type DATA_PAGE, uncompressed 300, compressed 20, data_page_header { num_values 70,
        // encoding RLE_DICTIONARY, levels RLE, statistics { max "abc" } }, then the page.
        let header = [
            0x15, 0x00, 0x15, 0xd8, 0x04, 0x15, 0x28, 0x2c, 0x15, 0x8c, 0x01, 0x15, 0x10, 0x15,
            0x06, 0x15, 0x06, 0x1c, 0x18, 0x03, b'a', b'b', b'c', 0x00, 0x00, 0x00, 0xff,
        ];
        let read = PageHeader::read(&header[..]).unwrap();
        assert_eq!(
            read,
            PageHeader {
                kind: 0,
                uncompressed: 300,
                compressed: 20,
                num_values: 70,
                encoding: 8,
                levels: 0,
                compressed_values: true,
                length: 26,
            }
        );
        // A statistics value that claims 2^40 bytes of a 16-byte header.
        let mut lying = header[..8].to_vec();
        lying.extend([0x5c, 0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
        assert_eq!(PageHeader::read(&lying[..]).unwrap_err(), "ends early");
        // Structs nested without end.
        let deep = [0x6c; 100];
        assert_eq!(
            PageHeader::read(&deep[..]).unwrap_err(),
            "nested too deeply"
        );
    }
}
