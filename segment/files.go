package segment

import (
	"fmt"
	"io"
	"os"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
)

// Files are a segment's files opened read-only. Close closes them all.
type Files struct {
	Segment   *Segment
	Log       *os.File
	LogSize   int64
	Index     *index.OffsetIndex // nil when the .index is absent
	TimeIndex *index.TimeIndex   // nil when the .timeindex is absent
	closers   []io.Closer
}

// Open opens the segment's .log and, when present, its indexes, all O_RDONLY.
// The Files may be kept and shared by concurrent readers (every read is a
// ReadAt; index readers cache their valid-entry count), as long as the
// segment does not change underneath.
func (s *Segment) Open() (*Files, error) {
	f := &Files{Segment: s}
	lf, err := os.Open(s.Log)
	if err != nil {
		return nil, fmt.Errorf("kseg/segment: %w", err)
	}
	f.closers = append(f.closers, lf)
	st, err := lf.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("kseg/segment: %w", err)
	}
	f.Log, f.LogSize = lf, st.Size()
	if s.Index != "" {
		xf, err := os.Open(s.Index)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("kseg/segment: %w", err)
		}
		f.closers = append(f.closers, xf)
		st, err := xf.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("kseg/segment: %w", err)
		}
		f.Index = index.NewOffsetIndex(xf, st.Size(), s.BaseOffset)
	}
	if s.TimeIndex != "" {
		tf, err := os.Open(s.TimeIndex)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("kseg/segment: %w", err)
		}
		f.closers = append(f.closers, tf)
		st, err := tf.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("kseg/segment: %w", err)
		}
		f.TimeIndex = index.NewTimeIndex(tf, st.Size(), s.BaseOffset)
	}
	return f, nil
}

// Close closes every opened file.
func (f *Files) Close() error {
	var first error
	for _, c := range f.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	f.closers = nil
	return first
}

// Batches returns a reader over the .log starting at byte position start.
func (f *Files) Batches(name string, start int64, headersOnly bool) *format.BatchReader {
	return format.NewBatchReader(f.Log, f.LogSize, format.ReaderOptions{File: name, Start: start, HeadersOnly: headersOnly})
}
