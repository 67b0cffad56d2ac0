// SPDX-License-Identifier: GPL-2.0
//! The messages the kernel sends through /dev/cachefiles in on-demand
//! mode, decoded, and the replies. The byte layout is the module's own
//! (`cachefiles/ondemand_msg.rs`, shared by path), so daemon and kernel
//! cannot disagree about it.

#[path = "../../cachefiles/ondemand_msg.rs"]
mod msg;

pub use msg::{Opcode, IOC_READ_COMPLETE, MSG_MAX_SIZE};

/// One request from the kernel.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// Open the object whose cookie key names a blob; `fd` is the
    /// anonymous fd to fill it through.
    Open {
        msg_id: u32,
        object_id: u32,
        volume_key: Vec<u8>,
        cookie_key: Vec<u8>,
        fd: u32,
    },
    /// Write `len` bytes at `off` into the object, then complete `msg_id`.
    Read {
        msg_id: u32,
        object_id: u32,
        off: u64,
        len: u64,
    },
    /// The kernel is done with the object: drop its fd.
    Close { msg_id: u32, object_id: u32 },
}

/// Why a message could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub enum Malformed {
    Header,
    Opcode(u32),
    Payload(Opcode),
}

/// Decodes one message as read(2) returned it.
pub fn decode(buf: &[u8]) -> Result<Request, Malformed> {
    let h = msg::decode_header(buf).ok_or(Malformed::Header)?;
    let op = Opcode::from_u32(h.opcode).ok_or(Malformed::Opcode(h.opcode))?;
    let payload = &buf[msg::HEADER_LEN..];
    match op {
        Opcode::Open => {
            let o = msg::decode_open(payload).ok_or(Malformed::Payload(op))?;
            Ok(Request::Open {
                msg_id: h.msg_id,
                object_id: h.object_id,
                volume_key: o.volume_key.to_vec(),
                cookie_key: o.cookie_key.to_vec(),
                fd: o.fd,
            })
        }
        Opcode::Read => {
            let (off, len) = msg::decode_read(payload).ok_or(Malformed::Payload(op))?;
            Ok(Request::Read {
                msg_id: h.msg_id,
                object_id: h.object_id,
                off,
                len,
            })
        }
        Opcode::Close => {
            if !payload.is_empty() {
                return Err(Malformed::Payload(op));
            }
            Ok(Request::Close {
                msg_id: h.msg_id,
                object_id: h.object_id,
            })
        }
    }
}

/// The `copen` reply: the object's size, or a negative errno.
pub fn copen(msg_id: u32, size_or_errno: i64) -> String {
    format!("copen {msg_id},{size_or_errno}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The first OPEN, READ and CLOSE the kernel sent this daemon for
    // `mount -t erofs -o fsid=fsrsblob` (tests/guest/erofs_ondemand.sh,
    // printed from its `-vv` log). The C cachefiles and fscache-rs's sent
    // the same bytes.
    const OPEN: &str = "000000000000000037000000010000000f00000008000000060000000000000065726f66732c66737273626c6f620066737273626c6f62";
    const READ: &str = "0100000002000000200000000100000000000000000000000010000000000000";
    const CLOSE: &str = "1d000000010000001000000001000000";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn decodes_recorded_messages() {
        assert_eq!(
            decode(&unhex(OPEN)),
            Ok(Request::Open {
                msg_id: 0,
                object_id: 1,
                volume_key: b"erofs,fsrsblob".to_vec(),
                cookie_key: b"fsrsblob".to_vec(),
                fd: 6,
            })
        );
        assert_eq!(
            decode(&unhex(READ)),
            Ok(Request::Read {
                msg_id: 1,
                object_id: 1,
                off: 0,
                len: 4096,
            })
        );
        assert_eq!(
            decode(&unhex(CLOSE)),
            Ok(Request::Close {
                msg_id: 29,
                object_id: 1
            })
        );
    }

    #[test]
    fn refuses_malformed() {
        let open = unhex(OPEN);
        assert_eq!(decode(&open[..15]), Err(Malformed::Header));
        // The length field must match what was read.
        assert_eq!(decode(&open[..open.len() - 1]), Err(Malformed::Header));
        let mut bad = unhex(CLOSE);
        bad[4] = 7;
        assert_eq!(decode(&bad), Err(Malformed::Opcode(7)));
        let mut open2 = open.clone();
        open2[16] = 200; // a volume key longer than the message
        assert_eq!(decode(&open2), Err(Malformed::Payload(Opcode::Open)));
        assert_eq!(copen(3, -2), "copen 3,-2");
    }
}
