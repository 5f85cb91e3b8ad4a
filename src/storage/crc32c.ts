// CRC32C (Castagnoli), the checksum of every write-ahead log record. It is
// the checksum storage systems use for records (iSCSI, ext4 metadata, etcd's
// WAL), and it catches every burst error up to 32 bits. Node has no built-in
// for it (zlib.crc32 is the other polynomial and newer than Node 20), so it
// is computed here from a 256-entry table.

const POLYNOMIAL = 0x82f63b78; // the Castagnoli polynomial, bit-reversed

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC32C of bytes[start, end). `previous`, the CRC32C of the bytes before
 * them, continues it: crc32c(b, 0, b.length, crc32c(a)) is the CRC32C of a
 * followed by b, so a checksum over a whole growing file costs only its appends.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
