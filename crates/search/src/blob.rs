//! The index as one blob: the engine's files, concatenated.
//!
//! Layout (integers little-endian): the magic `KBINDEX1`, a `u32` file count, then for each file
//! a `u16` name length, the UTF-8 name, a `u32` length and the bytes.

use crate::Error;

const MAGIC: &[u8; 8] = b"KBINDEX1";

/// Packs named files into a blob.
#[cfg(feature = "build")]
pub(crate) fn pack(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let size: usize = files.iter().map(|(n, b)| 6 + n.len() + b.len()).sum();
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&u32::try_from(files.len()).unwrap_or(u32::MAX).to_le_bytes());
    for (name, bytes) in files {
        let name_len = u16::try_from(name.len()).expect("file names are short");
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        let len = u32::try_from(bytes.len()).expect("index files are smaller than 4 GiB");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// The named files of a blob.
pub(crate) fn unpack(blob: &[u8]) -> Result<Vec<(&str, &[u8])>, Error> {
    let mut rest = blob.strip_prefix(MAGIC).ok_or(Error::Blob("not a search index"))?;
    let mut take = |n: usize| {
        let (head, tail) = rest.split_at_checked(n).ok_or(Error::Blob("truncated"))?;
        rest = tail;
        Ok::<_, Error>(head)
    };
    let count = u32::from_le_bytes(take(4)?.try_into().map_err(|_| Error::Blob("truncated"))?);
    let mut files = Vec::new();
    for _ in 0..count {
        let name_len =
            u16::from_le_bytes(take(2)?.try_into().map_err(|_| Error::Blob("truncated"))?);
        let name = std::str::from_utf8(take(name_len.into())?)
            .map_err(|_| Error::Blob("a file name is not UTF-8"))?;
        let len = u32::from_le_bytes(take(4)?.try_into().map_err(|_| Error::Blob("truncated"))?);
        files.push((name, take(len as usize)?));
    }
    Ok(files)
}
