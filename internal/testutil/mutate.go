package testutil

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"
)

// The mutators below corrupt a file in place, each in one named way (etcd
// repair_test.go corruptFunc style), so tests make corrupt inputs at run time
// instead of committing hand-broken copies (STYLE.md §6). Positions are byte
// positions. Except for Truncate and AppendZeros they never change the
// file's size: a position outside the file is an error, not an extension.

// FlipBit inverts bit (0 = least significant) of the byte at pos.
func FlipBit(path string, pos int64, bit uint) error {
	if bit > 7 {
		return fmt.Errorf("testutil: flip bit %d: bit out of range", bit)
	}
	return modify(path, pos, 1, func(b []byte) { b[0] ^= 1 << bit })
}

// Truncate cuts or extends path to size bytes, like a torn write or a
// preallocated file.
func Truncate(path string, size int64) error {
	if err := os.Truncate(path, size); err != nil {
		return fmt.Errorf("testutil: %w", err)
	}
	return nil
}

// ZeroRange overwrites bytes [start, end) with zeros.
func ZeroRange(path string, start, end int64) error {
	if end < start {
		return fmt.Errorf("testutil: zero range [%d, %d): end before start", start, end)
	}
	return modify(path, start, end-start, func(b []byte) { clear(b) })
}

// AppendZeros appends n zero bytes, as an unflushed preallocation leaves them.
func AppendZeros(path string, n int64) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("testutil: %w", err)
	}
	return Truncate(path, st.Size()+n)
}

// WriteAt overwrites len(b) bytes at pos with b.
func WriteAt(path string, pos int64, b []byte) error {
	return modify(path, pos, int64(len(b)), func(dst []byte) { copy(dst, b) })
}

// SetInt32BE overwrites the big-endian int32 at pos with v, e.g. a batch
// length or a CRC.
func SetInt32BE(path string, pos int64, v int32) error {
	return modify(path, pos, 4, func(b []byte) { binary.BigEndian.PutUint32(b, uint32(v)) })
}

// modify reads n bytes at pos, lets fn change them, and writes them back.
func modify(path string, pos, n int64, fn func([]byte)) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("testutil: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("testutil: %w", err)
	}
	if pos < 0 || n < 0 || pos+n > st.Size() {
		return fmt.Errorf("testutil: %s: range [%d, %d) outside file of %d bytes", path, pos, pos+n, st.Size())
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, pos); err != nil {
		return fmt.Errorf("testutil: %w", err)
	}
	fn(b)
	if _, err := f.WriteAt(b, pos); err != nil {
		return fmt.Errorf("testutil: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("testutil: %w", err)
	}
	return nil
}

// MustFlipBit is FlipBit that fails t on error.
func MustFlipBit(t testing.TB, path string, pos int64, bit uint) {
	t.Helper()
	must(t, FlipBit(path, pos, bit))
}

// MustTruncate is Truncate that fails t on error.
func MustTruncate(t testing.TB, path string, size int64) {
	t.Helper()
	must(t, Truncate(path, size))
}

// MustZeroRange is ZeroRange that fails t on error.
func MustZeroRange(t testing.TB, path string, start, end int64) {
	t.Helper()
	must(t, ZeroRange(path, start, end))
}

// MustAppendZeros is AppendZeros that fails t on error.
func MustAppendZeros(t testing.TB, path string, n int64) {
	t.Helper()
	must(t, AppendZeros(path, n))
}

// MustWriteAt is WriteAt that fails t on error.
func MustWriteAt(t testing.TB, path string, pos int64, b []byte) {
	t.Helper()
	must(t, WriteAt(path, pos, b))
}

// MustSetInt32BE is SetInt32BE that fails t on error.
func MustSetInt32BE(t testing.TB, path string, pos int64, v int32) {
	t.Helper()
	must(t, SetInt32BE(path, pos, v))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
