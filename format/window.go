package format

import (
	"fmt"
	"hash/crc32"
	"io"
)

// window is the bounded read-ahead shared by the segment readers: one
// reusable buffer filled by ReadAt, plus a separate buffer for entries too
// large for it. Slices it returns are valid until the next peek or load.
type window struct {
	ra       io.ReaderAt
	end      int64  // stop position
	file     string // base name for I/O errors
	size     int    // window size
	win      []byte
	winStart int64 // file position of win[0]
	winLen   int   // bytes valid in win
	big      []byte
}

// peek returns n bytes at pos from the window, refilling it if needed.
func (w *window) peek(pos int64, n int) ([]byte, error) {
	if pos >= w.winStart && pos+int64(n) <= w.winStart+int64(w.winLen) {
		off := int(pos - w.winStart)
		return w.win[off : off+n], nil
	}
	if w.win == nil {
		w.win = make([]byte, w.size)
	}
	want := min(int64(len(w.win)), w.end-pos)
	if int64(n) > want {
		return nil, w.ioErr(pos, io.ErrUnexpectedEOF)
	}
	got, err := w.ra.ReadAt(w.win[:want], pos)
	if int64(got) < want {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		w.winLen = 0
		return nil, w.ioErr(pos, err)
	}
	w.winStart, w.winLen = pos, int(want)
	return w.win[:n], nil
}

// load returns the n bytes at pos, from the window when they fit, else from
// the dedicated buffer. Callers checked n against the file size and their
// own cap before calling.
func (w *window) load(pos, n int64) ([]byte, error) {
	if n <= int64(w.size) {
		return w.peek(pos, int(n))
	}
	if int64(cap(w.big)) < n {
		w.big = make([]byte, n)
	}
	buf := w.big[:n]
	got, err := w.ra.ReadAt(buf, pos)
	if int64(got) < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, w.ioErr(pos, err)
	}
	return buf, nil
}

// crc computes the CRC (tab) of the n bytes at pos in window-sized chunks,
// without holding them.
func (w *window) crc(pos, n int64, tab *crc32.Table) (uint32, error) {
	var crc uint32
	for p := pos; p < pos+n; {
		k := min(int64(w.size), pos+n-p)
		chunk, err := w.peek(p, int(k))
		if err != nil {
			return 0, err
		}
		crc = crc32.Update(crc, tab, chunk)
		p += k
	}
	return crc, nil
}

// zeroUntilEnd reports whether every byte from pos to the end is zero.
func (w *window) zeroUntilEnd(pos int64) (bool, error) {
	for p := pos; p < w.end; {
		k := min(int64(w.size), w.end-p)
		chunk, err := w.peek(p, int(k))
		if err != nil {
			return false, err
		}
		if !isAllZero(chunk) {
			return false, nil
		}
		p += k
	}
	return true, nil
}

func (w *window) ioErr(pos int64, err error) error {
	return fmt.Errorf("kseg/format: %s: read at position %d: %w", w.file, pos, err)
}
