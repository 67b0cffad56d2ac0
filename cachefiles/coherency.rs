// SPDX-License-Identifier: GPL-2.0
//! The `user.CacheFiles.cache` xattrs: what is stored on a data file and on
//! a volume directory, and the checks made when a file is reopened.
//!
//! Pure logic (only `core`), shared with the host crate. The layouts are
//! the C module's on-disk format, byte for byte:
//!
//! - data file: big-endian u64 object size, big-endian u64 zero point
//!   (always 0), u8 type (1, data), u8 content (`Content`), then the
//!   netfs's auxiliary (coherency) data;
//! - volume directory: a big-endian u32 that must be 0, then the volume's
//!   coherency data.
#![allow(unreachable_pub)]

/// Size of the fixed part of a data file's xattr.
pub const OBJECT_HEADER_LEN: usize = 8 + 8 + 1 + 1;

/// Size of the fixed part of a volume directory's xattr.
pub const VOLUME_HEADER_LEN: usize = 4;

/// The only object type cachefiles stores.
pub const TYPE_DATA: u8 = 1;

/// How much of an object the backing file holds (stored on disk).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Content {
    NoData = 0,
    Single = 1,
    All = 2,
    BackfsMap = 3,
    /// Written locally and not known to be on the server: untrusted.
    Dirty = 4,
}

/// Longest auxiliary data fscache keeps for a cookie.
pub const MAX_AUX_LEN: usize = 255;

/// Longest data-file xattr.
pub const MAX_OBJECT_XATTR_LEN: usize = OBJECT_HEADER_LEN + MAX_AUX_LEN;

/// Writes a data file's xattr into `out`; returns its length.
pub fn encode_object(
    object_size: u64,
    content: Content,
    aux: &[u8],
    out: &mut [u8],
) -> Option<usize> {
    let n = OBJECT_HEADER_LEN + aux.len();
    let dst = out.get_mut(..n)?;
    dst[0..8].copy_from_slice(&object_size.to_be_bytes());
    dst[8..16].copy_from_slice(&0u64.to_be_bytes());
    dst[16] = TYPE_DATA;
    dst[17] = content as u8;
    dst[18..].copy_from_slice(aux);
    Some(n)
}

/// Why a data file's xattr was not accepted (or that it was), in the order
/// the checks are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectCheck {
    Ok,
    /// Missing, or not exactly the expected length.
    Xattr,
    Type,
    Aux,
    ObjectSize,
    /// The file holds local writes that never reached the server.
    Dirty,
}

/// Checks the xattr read back from a data file (`read` is exactly what
/// getxattr returned into a buffer of the expected length) against the
/// cookie's auxiliary data and object size.
pub fn check_object(read: &[u8], expected_len: usize, aux: &[u8], object_size: u64) -> ObjectCheck {
    if read.len() != expected_len || read.len() != OBJECT_HEADER_LEN + aux.len() {
        return ObjectCheck::Xattr;
    }
    if read[16] != TYPE_DATA {
        return ObjectCheck::Type;
    }
    if &read[OBJECT_HEADER_LEN..] != aux {
        return ObjectCheck::Aux;
    }
    let mut size = [0u8; 8];
    size.copy_from_slice(&read[0..8]);
    if u64::from_be_bytes(size) != object_size {
        return ObjectCheck::ObjectSize;
    }
    if read[17] == Content::Dirty as u8 {
        return ObjectCheck::Dirty;
    }
    ObjectCheck::Ok
}

/// Longest volume coherency data fscache keeps.
pub const MAX_VOLUME_COHERENCY_LEN: usize = 255;

/// Longest volume xattr.
pub const MAX_VOLUME_XATTR_LEN: usize = VOLUME_HEADER_LEN + MAX_VOLUME_COHERENCY_LEN;

/// Writes a volume directory's xattr into `out`; returns its length.
pub fn encode_volume(coherency: &[u8], out: &mut [u8]) -> Option<usize> {
    let n = VOLUME_HEADER_LEN + coherency.len();
    let dst = out.get_mut(..n)?;
    dst[0..4].copy_from_slice(&0u32.to_be_bytes());
    dst[4..].copy_from_slice(coherency);
    Some(n)
}

/// Why a volume directory's xattr was not accepted (or that it was).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolumeCheck {
    Ok,
    Xattr,
    Reserved,
    Compare,
}

/// Checks the xattr read back from a volume directory.
pub fn check_volume(read: &[u8], coherency: &[u8]) -> VolumeCheck {
    if read.len() != VOLUME_HEADER_LEN + coherency.len() {
        return VolumeCheck::Xattr;
    }
    if read[0..4] != [0; 4] {
        return VolumeCheck::Reserved;
    }
    if &read[VOLUME_HEADER_LEN..] != coherency {
        return VolumeCheck::Compare;
    }
    VolumeCheck::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_xattr_round_trip() {
        let mut buf = [0u8; MAX_OBJECT_XATTR_LEN];
        let aux = b"\x01\x02\x03\x04";
        let n = encode_object(0x1234_5678_9abc, Content::NoData, aux, &mut buf).unwrap();
        assert_eq!(n, 22);
        assert_eq!(
            &buf[..n],
            b"\x00\x00\x12\x34\x56\x78\x9a\xbc\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x02\x03\x04"
        );
        assert_eq!(
            check_object(&buf[..n], n, aux, 0x1234_5678_9abc),
            ObjectCheck::Ok
        );
        assert_eq!(check_object(&buf[..n], n, aux, 1), ObjectCheck::ObjectSize);
        assert_eq!(
            check_object(&buf[..n], n, b"\x01\x02\x03\x05", 0x1234_5678_9abc),
            ObjectCheck::Aux
        );
        assert_eq!(
            check_object(&buf[..n - 1], n, aux, 0x1234_5678_9abc),
            ObjectCheck::Xattr
        );
        let mut bad = buf;
        bad[16] = 2;
        assert_eq!(
            check_object(&bad[..n], n, aux, 0x1234_5678_9abc),
            ObjectCheck::Type
        );
        bad[16] = 1;
        bad[17] = Content::Dirty as u8;
        assert_eq!(
            check_object(&bad[..n], n, aux, 0x1234_5678_9abc),
            ObjectCheck::Dirty
        );
    }

    #[test]
    fn garbage_object_xattrs_are_never_accepted_wrongly() {
        // Any xattr that is not exactly what encode_object makes is refused.
        let aux = b"coherency";
        let mut good = [0u8; MAX_OBJECT_XATTR_LEN];
        let n = encode_object(4096, Content::All, aux, &mut good).unwrap();
        let mut seed = 0x9e37_79b9_u32;
        for _ in 0..100_000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let len = (seed as usize) % (n + 4);
            let mut junk = good;
            let pos = (seed >> 8) as usize % n;
            junk[pos] ^= ((seed >> 16) as u8) | 1;
            let verdict = check_object(&junk[..len.min(n)], n, aux, 4096);
            let same = len >= n && junk[..n] == good[..n];
            if verdict == ObjectCheck::Ok {
                assert!(
                    same || (pos == 17 && junk[17] != Content::Dirty as u8)
                        || (8..16).contains(&pos)
                );
            }
        }
    }

    #[test]
    fn volume_xattr() {
        let mut buf = [0u8; MAX_VOLUME_XATTR_LEN];
        let n = encode_volume(b"\xaa\xbb", &mut buf).unwrap();
        assert_eq!(&buf[..n], b"\x00\x00\x00\x00\xaa\xbb");
        assert_eq!(check_volume(&buf[..n], b"\xaa\xbb"), VolumeCheck::Ok);
        assert_eq!(check_volume(&buf[..n], b"\xaa\xbc"), VolumeCheck::Compare);
        assert_eq!(check_volume(&buf[..n - 1], b"\xaa\xbb"), VolumeCheck::Xattr);
        assert_eq!(
            check_volume(b"\x00\x00\x00\x01\xaa\xbb", b"\xaa\xbb"),
            VolumeCheck::Reserved
        );
        assert_eq!(encode_volume(b"", &mut buf), Some(4));
    }
}
