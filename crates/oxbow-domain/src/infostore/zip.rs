//! A streaming ZIP writer: entries are written one after another without seeking (sizes and
//! CRC follow each entry in a data descriptor), so an archive of any size goes out while it
//! is produced. Entries are stored uncompressed: documents are mostly compressed already and
//! storing keeps the download as fast as the disk. ZIP64 records are written when an entry
//! or the archive exceeds the 4 GiB limits of the classic format.

use std::io::{self, Write};

struct Entry {
    name: Vec<u8>,
    crc: u32,
    size: u64,
    offset: u64,
    dos_time: u16,
    dos_date: u16,
}

pub struct ZipStreamWriter<W: Write> {
    out: W,
    written: u64,
    entries: Vec<Entry>,
    current: Option<(Entry, crc32fast::Hasher)>,
}

fn dos_datetime(utc_ms: i64) -> (u16, u16) {
    use chrono::{Datelike, Timelike};
    let dt = chrono::DateTime::from_timestamp_millis(utc_ms).unwrap_or_default().naive_utc();
    if dt.year() < 1980 {
        return (0, (1 << 5) | 1);
    }
    let time = ((dt.hour() as u16) << 11) | ((dt.minute() as u16) << 5) | ((dt.second() as u16) / 2);
    let date = (((dt.year() - 1980) as u16) << 9) | ((dt.month() as u16) << 5) | dt.day() as u16;
    (time, date)
}

impl<W: Write> ZipStreamWriter<W> {
    pub fn new(out: W) -> Self {
        ZipStreamWriter { out, written: 0, entries: Vec::new(), current: None }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// The inner writer (to drain a buffer between writes).
    pub fn inner_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Start a new entry (finishing the previous one).
    pub fn start_entry(&mut self, name: &str, modified_utc_ms: i64) -> io::Result<()> {
        self.finish_entry()?;
        let (dos_time, dos_date) = dos_datetime(modified_utc_ms);
        let entry = Entry { name: name.as_bytes().to_vec(), crc: 0, size: 0, offset: self.written, dos_time, dos_date };
        let mut h = Vec::with_capacity(30 + entry.name.len() + 20);
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&45u16.to_le_bytes()); // version needed (ZIP64)
        h.extend_from_slice(&((1u16 << 3) | (1u16 << 11)).to_le_bytes()); // data descriptor, UTF-8 names
        h.extend_from_slice(&0u16.to_le_bytes()); // stored
        h.extend_from_slice(&dos_time.to_le_bytes());
        h.extend_from_slice(&dos_date.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes()); // crc (in descriptor)
        h.extend_from_slice(&u32::MAX.to_le_bytes()); // sizes in ZIP64 extra / descriptor
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        h.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes()); // extra length
        h.extend_from_slice(&entry.name);
        h.extend_from_slice(&0x0001u16.to_le_bytes());
        h.extend_from_slice(&16u16.to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes());
        self.put(&h)?;
        self.current = Some((entry, crc32fast::Hasher::new()));
        Ok(())
    }

    fn finish_entry(&mut self) -> io::Result<()> {
        let Some((mut entry, hasher)) = self.current.take() else { return Ok(()) };
        entry.crc = hasher.finalize();
        let mut d = Vec::with_capacity(24);
        d.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
        d.extend_from_slice(&entry.crc.to_le_bytes());
        d.extend_from_slice(&entry.size.to_le_bytes());
        d.extend_from_slice(&entry.size.to_le_bytes());
        self.put(&d)?;
        self.entries.push(entry);
        Ok(())
    }

    /// Finish the archive (central directory) and return the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.finish_entry()?;
        let cd_start = self.written;
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            let mut c = Vec::with_capacity(46 + e.name.len() + 28);
            c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            c.extend_from_slice(&((3u16 << 8) | 45).to_le_bytes()); // made by unix, 4.5
            c.extend_from_slice(&45u16.to_le_bytes());
            c.extend_from_slice(&((1u16 << 3) | (1u16 << 11)).to_le_bytes());
            c.extend_from_slice(&0u16.to_le_bytes());
            c.extend_from_slice(&e.dos_time.to_le_bytes());
            c.extend_from_slice(&e.dos_date.to_le_bytes());
            c.extend_from_slice(&e.crc.to_le_bytes());
            c.extend_from_slice(&u32::MAX.to_le_bytes());
            c.extend_from_slice(&u32::MAX.to_le_bytes());
            c.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            c.extend_from_slice(&28u16.to_le_bytes());
            c.extend_from_slice(&0u16.to_le_bytes()); // comment
            c.extend_from_slice(&0u16.to_le_bytes()); // disk
            c.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
            c.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
            c.extend_from_slice(&u32::MAX.to_le_bytes()); // offset in ZIP64 extra
            c.extend_from_slice(&e.name);
            c.extend_from_slice(&0x0001u16.to_le_bytes());
            c.extend_from_slice(&24u16.to_le_bytes());
            c.extend_from_slice(&e.size.to_le_bytes());
            c.extend_from_slice(&e.size.to_le_bytes());
            c.extend_from_slice(&e.offset.to_le_bytes());
            self.put(&c)?;
        }
        let cd_size = self.written - cd_start;
        let zip64_eocd = self.written;
        let count = entries.len() as u64;
        let mut t = Vec::with_capacity(56 + 20 + 22);
        t.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
        t.extend_from_slice(&44u64.to_le_bytes());
        t.extend_from_slice(&((3u16 << 8) | 45).to_le_bytes());
        t.extend_from_slice(&45u16.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&cd_size.to_le_bytes());
        t.extend_from_slice(&cd_start.to_le_bytes());
        t.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(&zip64_eocd.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        t.extend_from_slice(&0u16.to_le_bytes());
        t.extend_from_slice(&0u16.to_le_bytes());
        t.extend_from_slice(&(count.min(0xFFFF) as u16).to_le_bytes());
        t.extend_from_slice(&(count.min(0xFFFF) as u16).to_le_bytes());
        t.extend_from_slice(&(cd_size.min(0xFFFF_FFFF) as u32).to_le_bytes());
        t.extend_from_slice(&u32::MAX.to_le_bytes());
        t.extend_from_slice(&0u16.to_le_bytes());
        self.put(&t)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ZipStreamWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some((entry, hasher)) = self.current.as_mut() else {
            return Err(io::Error::other("no zip entry started"));
        };
        hasher.update(buf);
        entry.size += buf.len() as u64;
        self.out.write_all(buf)?;
        self.written += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_reads_back_with_the_zip_crate() {
        let mut w = ZipStreamWriter::new(Vec::new());
        w.start_entry("a.txt", 1_700_000_000_000).unwrap();
        w.write_all(b"hello").unwrap();
        w.start_entry("dir/b.bin", 1_700_000_000_000).unwrap();
        w.write_all(&[0u8; 1000]).unwrap();
        let bytes = w.finish().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut s = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("a.txt").unwrap(), &mut s).unwrap();
        assert_eq!(s, "hello");
        assert_eq!(archive.by_name("dir/b.bin").unwrap().size(), 1000);
    }
}
