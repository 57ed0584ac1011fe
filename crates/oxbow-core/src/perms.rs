//! Folder permission levels and their packing into `bits` (reference chapter 3,
//! behaviour notes 4.1): `folder | read<<7 | write<<14 | delete<<21 | admin<<28`.

use serde::{Deserialize, Serialize};

pub const NONE: u8 = 0;
/// folder: see the folder; read/write/delete: own objects only.
pub const OWN: u8 = 1;
/// folder: create objects; read/write/delete: all objects.
pub const ALL: u8 = 2;
/// folder: create subfolders.
pub const CREATE_SUBFOLDERS: u8 = 4;
pub const MAX: u8 = 64;

pub const FOLDER_VISIBLE: u8 = 1;
pub const FOLDER_CREATE_OBJECTS: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rights {
    pub folder: u8,
    pub read: u8,
    pub write: u8,
    pub delete: u8,
    pub admin: bool,
}

impl Rights {
    pub const OWNER: Rights = Rights { folder: MAX, read: MAX, write: MAX, delete: MAX, admin: true };
    pub const VIEWER: Rights = Rights { folder: FOLDER_VISIBLE, read: ALL, write: NONE, delete: NONE, admin: false };
    pub const SEE_FOLDER: Rights = Rights { folder: FOLDER_VISIBLE, read: NONE, write: NONE, delete: NONE, admin: false };

    pub fn to_bits(self) -> i64 {
        (self.folder as i64)
            | (self.read as i64) << 7
            | (self.write as i64) << 14
            | (self.delete as i64) << 21
            | (self.admin as i64) << 28
    }

    /// Decode `bits`; `None` when a level is not one of 0, 1, 2, 4, 64 or unknown bits are set
    /// (read/write/delete only allow 0, 1, 2, 64; the folder level also allows 4).
    pub fn from_bits(bits: i64) -> Option<Rights> {
        if !(0..(1 << 29)).contains(&bits) {
            return None;
        }
        let level = |shift: u32| ((bits >> shift) & 127) as u8;
        let r = Rights {
            folder: level(0),
            read: level(7),
            write: level(14),
            delete: level(21),
            admin: (bits >> 28) & 1 == 1,
        };
        let object_ok = |v: u8| matches!(v, NONE | OWN | ALL | MAX);
        let folder_ok = matches!(r.folder, NONE | OWN | ALL | CREATE_SUBFOLDERS | MAX);
        (folder_ok && object_ok(r.read) && object_ok(r.write) && object_ok(r.delete)).then_some(r)
    }

    /// The union of two grants (a user's own entry plus their groups' entries).
    pub fn union(self, other: Rights) -> Rights {
        Rights {
            folder: self.folder.max(other.folder),
            read: self.read.max(other.read),
            write: self.write.max(other.write),
            delete: self.delete.max(other.delete),
            admin: self.admin || other.admin,
        }
    }

    pub fn can_see_folder(self) -> bool {
        self.folder >= FOLDER_VISIBLE
    }
    pub fn can_create_objects(self) -> bool {
        self.folder >= FOLDER_CREATE_OBJECTS
    }
    pub fn can_create_subfolders(self) -> bool {
        self.folder >= CREATE_SUBFOLDERS
    }
    /// May read an object created by `creator` when the caller is `user`.
    pub fn can_read(self, user: i64, creator: i64) -> bool {
        self.read >= ALL || (self.read >= OWN && user == creator)
    }
    pub fn can_write(self, user: i64, creator: i64) -> bool {
        self.write >= ALL || (self.write >= OWN && user == creator)
    }
    pub fn can_delete(self, user: i64, creator: i64) -> bool {
        self.delete >= ALL || (self.delete >= OWN && user == creator)
    }
    pub fn can_read_any(self) -> bool {
        self.read >= OWN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_the_reference() {
        assert_eq!(Rights::OWNER.to_bits(), 403_710_016);
        assert_eq!(Rights::VIEWER.to_bits(), 257);
        assert_eq!(Rights::from_bits(4_227_332).unwrap().folder, 4);
        assert_eq!(Rights::from_bits(272_662_788).unwrap().admin, true);
        assert!(Rights::from_bits(3).is_none());
        assert!(Rights::from_bits(-1).is_none());
        assert_eq!(Rights::from_bits(403_710_016), Some(Rights::OWNER));
    }
}
