package format

// Kafka 0.7 segments (<byte-offset>.kafka), the on-disk format before 0.8.
//
// Checked against apache/kafka at tag kafka-0.7.2-incubating-candidate-5
// (the 0.7.2 release), files core/src/main/scala/kafka/message/Message.scala,
// MessageSet.scala, ByteBufferMessageSet.scala, FileMessageSet.scala,
// CompressionCodec.scala, CompressionUtils.scala and kafka/log/Log.scala
// (FileSuffix ".kafka", nameFromOffset "%020d"). The message classes are
// unchanged in substance since kafka-0.7.0-incubating-candidate-9.
//
// A segment is a message set: entries back to back, with no offset field.
//
//	entry     = size int32 (N, the bytes after it; MessageSet.LogOverhead = 4)
//	            message (N bytes)
//	message   = magic int8 (0 or 1; Message.CurrentMagicValue = 1)
//	            [attributes int8]      magic 1 only; codec = attributes & 0x03
//	            crc uint32             CRC-32 (java.util.zip.CRC32, IEEE) of the
//	                                   payload only: neither magic nor attributes
//	                                   are covered ("we're not crc-ing the
//	                                   attributes header", Message.scala)
//	            payload (N-5 or N-6 bytes)
//
// Message.MinHeaderSize is 5 (magic 0): FileMessageSet stops at a smaller
// size. Codecs (CompressionCodec.scala): 0 none, 1 gzip (GZIPOutputStream),
// 2 snappy (snappy-java SnappyOutputStream, i.e. xerial framing); 3 is
// unknown (UnknownCodecException). A compressed message's payload is the
// compressed bytes of a whole inner message set in the same layout.
//
// Offsets are byte positions in the partition: a file named N.kafka holds
// the bytes from partition position N on, so a message's offset is the file's
// base offset plus its position in the file. 0.7's iterators report, for each
// message, MessageAndOffset.offset = the offset *after* it, where a consumer
// resumes (FileMessageSet.iterator: location += size + 4). Deep iteration of
// a compressed wrapper (ByteBufferMessageSet.internalIterator) reports the
// wrapper's own start offset for every inner message but the last, and the
// offset after the wrapper for the last one: a consumer can only fetch at
// wrapper boundaries, so resuming after a middle inner message re-reads the
// whole wrapper.

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// Wire constants of Kafka 0.7: part of the format, never change.
const (
	Kafka07Suffix          = ".kafka" // Log.FileSuffix
	Kafka07LogOverhead     = 4        // MessageSet.LogOverhead: the size field
	Kafka07MinHeaderSize   = 5        // Message.MinHeaderSize: magic1 crc4
	Kafka07HeaderSizeV1    = 6        // magic1 attributes1 crc4
	kafka07CompressionMask = 0x03     // Message.CompressionCodeMask
	kafka07MaxMagic        = 1
)

// Message07 is one Kafka 0.7 message. For a message read from a file by
// Kafka07Reader, Position is its entry's byte position in the file (the
// size field), Offset = base offset + Position, and NextOffset = Offset + 4 +
// Size. For a message decoded from a compressed wrapper by Kafka07Decoder,
// Position is its position inside the decompressed set, Offset is the
// wrapper's Offset (where a consumer must fetch to get it) and NextOffset is
// what 0.7's deep iterator reports (see the package comment above).
type Message07 struct {
	Position   int64
	Offset     int64
	NextOffset int64
	Size       int32 // the size field: bytes after it
	Magic      int8
	Attributes int8 // 0 for magic 0
	CRC        uint32
	// ComputedCRC is the CRC-32 of the payload; Valid is ComputedCRC == CRC
	// (Message.isValid). CRCChecked is false only for headers-only reads.
	ComputedCRC uint32
	Valid       bool
	CRCChecked  bool
	// Payload aliases the reader's buffer and is valid only until the next
	// call to Next. It is nil when the message was too large to hold
	// (Kafka07Options.MaxMessageBytes) or when HeadersOnly is set.
	Payload []byte
}

// EntrySize is the whole entry: the size field plus the message.
func (m *Message07) EntrySize() int64 { return Kafka07LogOverhead + int64(m.Size) }

// HeaderSize is Message.headerSize(magic): 5 for magic 0, 6 for magic 1.
func (m *Message07) HeaderSize() int {
	if m.Magic == 1 {
		return Kafka07HeaderSizeV1
	}
	return Kafka07MinHeaderSize
}

// PayloadSize is Message.payloadSize.
func (m *Message07) PayloadSize() int32 { return m.Size - int32(m.HeaderSize()) }

// Compression is the codec of a magic 1 message (attributes & 0x03); magic 0
// messages are never compressed.
func (m *Message07) Compression() Compression {
	if m.Magic == 0 {
		return CompressionNone
	}
	return Compression(m.Attributes & kafka07CompressionMask)
}

// Kafka07Options configures a Kafka07Reader. The zero value is usable.
type Kafka07Options struct {
	// File is the base name used in errors (e.g. 00000000000000000000.kafka).
	File string
	// BaseOffset is the partition byte offset of the file's first byte: the
	// number in its name.
	BaseOffset int64
	// End stops reading at this byte position (0 = the whole file); a
	// message crossing it is dropped silently (--max-bytes).
	End int64
	// WindowSize is the read-ahead window (default DefaultWindowSize).
	WindowSize int
	// MaxMessageBytes: larger messages are CRC-checked in chunks and returned
	// with Payload == nil (default DefaultMaxBatchBytes).
	MaxMessageBytes int64
	// HeadersOnly skips payloads and CRCs.
	HeadersOnly bool
}

// Kafka07Reader iterates over the messages of a .kafka file through an
// io.ReaderAt with one reusable window, so memory stays bounded whatever the
// file size. Errors follow BatchReader: io.EOF at a clean end, a
// *TruncatedError for a torn tail (a partial message, or zeros, at the end
// with nothing valid after it), a *CorruptionError for bad framing (a size
// below the minimum, a bad magic, or a size running past the end while a
// valid message follows), or a wrapped I/O error; errors are sticky until
// Resync. A CRC mismatch is not an error: the message comes back with Valid
// false.
//
// The *Message07 returned by Next and its Payload are valid only until the
// next call. Not safe for concurrent use; independent readers are fine.
type Kafka07Reader struct {
	window
	size        int64
	opts        Kafka07Options
	pos, valid  int64
	seenInvalid bool
	err         error

	msg Message07
}

// NewKafka07Reader returns a reader over the size bytes of r.
func NewKafka07Reader(r io.ReaderAt, size int64, opts Kafka07Options) *Kafka07Reader {
	if opts.WindowSize < 64 {
		opts.WindowSize = DefaultWindowSize
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxBatchBytes
	}
	end := size
	if opts.End > 0 && opts.End < size {
		end = opts.End
	}
	return &Kafka07Reader{window: window{ra: r, end: end, file: opts.File, size: opts.WindowSize}, size: size, opts: opts}
}

// Position is the byte position of the next entry.
func (r *Kafka07Reader) Position() int64 { return r.pos }

// ValidBytes is the position just after the last CRC-valid message before
// the first invalid one: where 0.7's FileMessageSet.recover truncates.
func (r *Kafka07Reader) ValidBytes() int64 { return r.valid }

// Next returns the next message (see Kafka07Reader for the error contract).
func (r *Kafka07Reader) Next() (*Message07, error) {
	if r.err != nil {
		return nil, r.err
	}
	m, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return m, nil
}

func (r *Kafka07Reader) next() (*Message07, error) {
	pos := r.pos
	remaining := r.end - pos
	if remaining == 0 {
		return nil, io.EOF
	}
	limited := r.end < r.size
	if remaining < Kafka07LogOverhead+Kafka07MinHeaderSize {
		if limited {
			return nil, io.EOF
		}
		return nil, r.tail(pos)
	}
	h, err := r.peek(pos, Kafka07LogOverhead+Kafka07MinHeaderSize)
	if err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(h))
	magic := int8(h[4])
	if size < Kafka07MinHeaderSize {
		if !limited {
			if z, err := r.zeroUntilEnd(pos); err != nil {
				return nil, err
			} else if z {
				return nil, &TruncatedError{File: r.opts.File, Position: pos, Bytes: r.end - pos, Kind: TailZeroFilled}
			}
		}
		return nil, r.corrupt(pos, ReasonBadLength, "message size %d smaller than the minimum header size (%d)", size, Kafka07MinHeaderSize)
	}
	entry := Kafka07LogOverhead + int64(size)
	if entry > remaining {
		if limited {
			return nil, io.EOF
		}
		next, found, err := r.findChainToEnd(pos + 1)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, r.tail(pos)
		}
		return nil, r.corrupt(pos, ReasonBadLength, "size %d runs past the end of the file, but valid messages follow from position %d to the end", size, next)
	}
	if magic < 0 || magic > kafka07MaxMagic {
		return nil, r.corrupt(pos, ReasonBadMagic, "magic %d (Kafka 0.7 knows 0 and 1)", magic)
	}
	m := &r.msg
	*m = Message07{Position: pos, Offset: r.opts.BaseOffset + pos, NextOffset: r.opts.BaseOffset + pos + entry, Size: size, Magic: magic}
	hs := int64(m.HeaderSize())
	if int64(size) < hs {
		return nil, r.corrupt(pos, ReasonBadLength, "magic 1 message size %d smaller than its header (%d)", size, hs)
	}
	hdr, err := r.peek(pos, int(Kafka07LogOverhead+hs))
	if err != nil {
		return nil, err
	}
	if magic == 1 {
		m.Attributes = int8(hdr[5])
	}
	m.CRC = binary.BigEndian.Uint32(hdr[Kafka07LogOverhead+hs-4:])
	if !r.opts.HeadersOnly {
		payloadPos, payloadLen := pos+Kafka07LogOverhead+hs, entry-Kafka07LogOverhead-hs
		if entry <= r.opts.MaxMessageBytes {
			raw, err := r.load(pos, entry)
			if err != nil {
				return nil, err
			}
			m.Payload = raw[Kafka07LogOverhead+hs:]
			m.ComputedCRC = crc32.ChecksumIEEE(m.Payload)
		} else {
			if m.ComputedCRC, err = r.crc07(payloadPos, payloadLen); err != nil {
				return nil, err
			}
		}
		m.CRCChecked = true
		m.Valid = m.ComputedCRC == m.CRC
	}
	r.pos = pos + entry
	if !r.seenInvalid {
		if m.Valid || !m.CRCChecked {
			r.valid = r.pos
		} else {
			r.seenInvalid = true
		}
	}
	return m, nil
}

// Resync moves past a corruption error to the next position where a
// plausible, CRC-valid message starts and clears the sticky error. It
// returns that position and true, or false when nothing valid follows (the
// reader then stays at EOF).
func (r *Kafka07Reader) Resync() (int64, bool, error) {
	ce, ok := r.err.(*CorruptionError)
	if !ok {
		return 0, false, fmt.Errorf("kseg/format: Resync called without a corruption error")
	}
	next, found, err := r.findNext(ce.Position + 1)
	if err != nil {
		return 0, false, err
	}
	if !found {
		r.err, r.pos = io.EOF, r.end
		return 0, false, nil
	}
	r.err, r.pos = nil, next
	return next, true, nil
}

func (r *Kafka07Reader) corrupt(pos int64, reason Reason, format string, args ...any) *CorruptionError {
	r.seenInvalid = true
	return &CorruptionError{File: r.opts.File, Position: pos, Offset: r.opts.BaseOffset + pos, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

func (r *Kafka07Reader) tail(pos int64) error {
	kind := TailPartial
	z, err := r.zeroUntilEnd(pos)
	if err != nil {
		return err
	}
	if z {
		kind = TailZeroFilled
	}
	return &TruncatedError{File: r.opts.File, Position: pos, Bytes: r.end - pos, Kind: kind}
}

// findNext scans from 'from' for the first position where a plausible
// message with a valid CRC starts: a sane size that fits, magic 0 or 1, a
// known codec. Without offsets there is little else to anchor on, so the CRC
// is what makes a hit credible; an empty payload (CRC 0) is not accepted.
func (r *Kafka07Reader) findNext(from int64) (int64, bool, error) {
	const hn = Kafka07LogOverhead + Kafka07HeaderSizeV1
	for p := from; p+Kafka07LogOverhead+Kafka07MinHeaderSize <= r.end; {
		k := min(int64(r.opts.WindowSize), r.end-p)
		chunk, err := r.peek(p, int(k))
		if err != nil {
			return 0, false, err
		}
		last := len(chunk) - hn
		if p+int64(len(chunk)) == r.end {
			last = len(chunk) - (Kafka07LogOverhead + Kafka07MinHeaderSize)
		}
		for i := 0; i <= last; i++ {
			magic := chunk[i+4]
			if magic > kafka07MaxMagic {
				continue
			}
			size := int64(int32(binary.BigEndian.Uint32(chunk[i:])))
			hs := int64(Kafka07MinHeaderSize)
			if magic == 1 {
				hs = Kafka07HeaderSizeV1
				if i+hn > len(chunk) || chunk[i+5]&^kafka07CompressionMask != 0 || chunk[i+5]&kafka07CompressionMask == 3 {
					continue
				}
			}
			cand := p + int64(i)
			if size <= hs || size > DefaultMaxPlausibleBatch || cand+Kafka07LogOverhead+size > r.end {
				continue
			}
			ok, err := r.validAt(cand, hs, size)
			if err != nil {
				return 0, false, err
			}
			if ok {
				return cand, true, nil
			}
			if chunk, err = r.peek(p, int(k)); err != nil {
				return 0, false, err
			}
		}
		if last < 0 {
			break
		}
		p += int64(last + 1)
	}
	return 0, false, nil
}

// maxChainCandidates bounds how many resync candidates findChainToEnd
// follows, each a walk to the end of the file.
const maxChainCandidates = 16

// findChainToEnd is findNext for the torn-tail decision: a 0.7 message has
// no offset to anchor on, and the inner messages of a snappy wrapper are
// often stored literally, so one valid message inside a torn wrapper proves
// nothing. A length field is called corrupt only if valid messages follow
// back to back from a candidate up to exactly the end of the file.
func (r *Kafka07Reader) findChainToEnd(from int64) (int64, bool, error) {
	for i := 0; i < maxChainCandidates; i++ {
		cand, found, err := r.findNext(from)
		if err != nil || !found {
			return 0, false, err
		}
		ok, err := r.chainToEnd(cand)
		if err != nil {
			return 0, false, err
		}
		if ok {
			return cand, true, nil
		}
		from = cand + 1
	}
	return 0, false, nil
}

func (r *Kafka07Reader) chainToEnd(pos int64) (bool, error) {
	for pos < r.end {
		if r.end-pos < Kafka07LogOverhead+Kafka07MinHeaderSize {
			return false, nil
		}
		h, err := r.peek(pos, Kafka07LogOverhead+Kafka07MinHeaderSize)
		if err != nil {
			return false, err
		}
		size := int64(int32(binary.BigEndian.Uint32(h)))
		hs := int64(Kafka07MinHeaderSize)
		if h[4] == 1 {
			hs = Kafka07HeaderSizeV1
		} else if h[4] != 0 {
			return false, nil
		}
		if size < hs || pos+Kafka07LogOverhead+size > r.end {
			return false, nil
		}
		ok, err := r.validAt(pos, hs, size)
		if err != nil || !ok {
			return false, err
		}
		pos += Kafka07LogOverhead + size
	}
	return true, nil
}

func (r *Kafka07Reader) validAt(pos, hs, size int64) (bool, error) {
	h, err := r.peek(pos, int(Kafka07LogOverhead+hs))
	if err != nil {
		return false, err
	}
	stored := binary.BigEndian.Uint32(h[Kafka07LogOverhead+hs-4:])
	crc, err := r.crc07(pos+Kafka07LogOverhead+hs, size-hs)
	if err != nil {
		return false, err
	}
	return crc == stored, nil
}

// Kafka07Decoder yields the messages inside a Kafka 0.7 message: for a
// compressed wrapper, the messages of its decompressed inner set; for an
// uncompressed message, the message itself (as 0.7's deep iterator does).
// Decompression is capped (DecoderOptions.MaxDecompressedSize semantics).
// The returned messages alias the decoder's buffer and are valid until the
// next Reset. Not safe for concurrent use.
type Kafka07Decoder struct {
	file    string
	max     int
	data    []byte
	p       int
	wrapper Message07
	single  bool
	done    bool
	msg     Message07
}

// NewKafka07Decoder returns a decoder; file names errors, maxDecompressed
// caps the decoded size of one wrapper (<= 0: DefaultMaxDecompressedSize).
func NewKafka07Decoder(file string, maxDecompressed int) *Kafka07Decoder {
	if maxDecompressed <= 0 {
		maxDecompressed = DefaultMaxDecompressedSize
	}
	return &Kafka07Decoder{file: file, max: maxDecompressed}
}

// Reset starts decoding m, which must carry its Payload. Errors are
// *CorruptionError (unknown codec, decompression failure or cap).
func (d *Kafka07Decoder) Reset(m *Message07) error {
	d.wrapper, d.p, d.single, d.done = *m, 0, false, false
	d.data = d.data[:0]
	if m.Payload == nil {
		return d.corrupt(ReasonDecompressedTooLarge, "message of %d bytes was not loaded (larger than the reader's limit)", m.Size)
	}
	c := m.Compression()
	switch c {
	case CompressionNone:
		d.single = true
		return nil
	case CompressionGzip, CompressionSnappy:
	default:
		return d.corrupt(ReasonBadCompression, "compression codec %d is unknown to Kafka 0.7 (0 none, 1 gzip, 2 snappy)", int8(c))
	}
	out, err := Decompress(c, 0, d.data, m.Payload, d.max)
	if err != nil {
		if err == errTooLarge {
			return d.corrupt(ReasonDecompressedTooLarge, "%s wrapper decompresses to more than %d bytes", c, d.max)
		}
		return d.corrupt(ReasonDecompressFailed, "%s: %v", c, err)
	}
	d.data = out
	return nil
}

// DecompressedSize is the size of the current wrapper's inner message set.
func (d *Kafka07Decoder) DecompressedSize() int { return len(d.data) }

func (d *Kafka07Decoder) corrupt(reason Reason, format string, args ...any) *CorruptionError {
	return &CorruptionError{File: d.file, Position: d.wrapper.Position, Offset: d.wrapper.Offset, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Next returns the next inner message, io.EOF after the last, or a
// *CorruptionError (ReasonBadWrapper) for a malformed inner set.
func (d *Kafka07Decoder) Next() (*Message07, error) {
	if d.done {
		return nil, io.EOF
	}
	if d.single {
		d.done = true
		d.msg = d.wrapper
		return &d.msg, nil
	}
	if d.p == len(d.data) {
		d.done = true
		return nil, io.EOF
	}
	m := &d.msg
	n, err := decodeKafka07(m, d.data[d.p:])
	if err != nil {
		d.done = true
		return nil, d.corrupt(ReasonBadWrapper, "inner message at position %d: %v", d.p, err)
	}
	m.Position = int64(d.p)
	d.p += n
	m.Offset = d.wrapper.Offset
	m.NextOffset = d.wrapper.Offset
	if d.p == len(d.data) {
		m.NextOffset = d.wrapper.NextOffset
	}
	return m, nil
}

// DecodeKafka07Message decodes the entry at the start of b (the pure-slice
// codec): it returns the message, with Payload aliasing b, and the entry's
// size. Position, Offset and NextOffset are relative to b (0, 0, entry
// size). Errors are *TruncatedError when b ends inside the entry and
// *CorruptionError for bad framing; a CRC mismatch is reported as Valid false.
func DecodeKafka07Message(b []byte) (*Message07, int, error) {
	m := new(Message07)
	n, err := decodeKafka07(m, b)
	if err != nil {
		return nil, 0, err
	}
	return m, n, nil
}

func decodeKafka07(m *Message07, b []byte) (int, error) {
	if len(b) < Kafka07LogOverhead+Kafka07MinHeaderSize {
		return 0, &TruncatedError{Bytes: int64(len(b)), Kind: tailKindOf(b)}
	}
	size := int32(binary.BigEndian.Uint32(b))
	if size < Kafka07MinHeaderSize {
		return 0, &CorruptionError{Offset: -1, Reason: ReasonBadLength, Detail: fmt.Sprintf("message size %d smaller than the minimum header size (%d)", size, Kafka07MinHeaderSize)}
	}
	entry := Kafka07LogOverhead + int64(size)
	if entry > int64(len(b)) {
		return 0, &TruncatedError{Bytes: int64(len(b)), Kind: TailPartial}
	}
	*m = Message07{Size: size, Magic: int8(b[4]), NextOffset: entry}
	if m.Magic < 0 || m.Magic > kafka07MaxMagic {
		return 0, &CorruptionError{Offset: -1, Reason: ReasonBadMagic, Detail: fmt.Sprintf("magic %d (Kafka 0.7 knows 0 and 1)", m.Magic)}
	}
	hs := m.HeaderSize()
	if int(size) < hs {
		return 0, &CorruptionError{Offset: -1, Reason: ReasonBadLength, Detail: fmt.Sprintf("magic 1 message size %d smaller than its header (%d)", size, hs)}
	}
	if m.Magic == 1 {
		m.Attributes = int8(b[5])
	}
	m.CRC = binary.BigEndian.Uint32(b[Kafka07LogOverhead+hs-4:])
	m.Payload = b[Kafka07LogOverhead+hs : entry : entry]
	m.ComputedCRC = crc32.ChecksumIEEE(m.Payload)
	m.Valid = m.ComputedCRC == m.CRC
	m.CRCChecked = true
	return int(entry), nil
}

// AppendKafka07Message appends one 0.7 entry (size, magic, [attributes],
// CRC-32 of the payload, payload) as 0.7's Message constructor and
// serializeTo write it. Magic 0 carries no attributes, so codec must be
// CompressionNone then.
func AppendKafka07Message(dst []byte, magic int8, codec Compression, payload []byte) ([]byte, error) {
	hs := Kafka07MinHeaderSize
	switch {
	case magic == 1:
		hs = Kafka07HeaderSizeV1
	case magic != 0:
		return nil, fmt.Errorf("kseg/format: Kafka 0.7 magic %d (want 0 or 1)", magic)
	case codec != CompressionNone:
		return nil, fmt.Errorf("kseg/format: Kafka 0.7 magic 0 messages cannot be compressed")
	}
	if codec < CompressionNone || codec > CompressionSnappy {
		return nil, fmt.Errorf("kseg/format: Kafka 0.7 has no codec %s", codec)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(hs+len(payload)))
	dst = append(dst, byte(magic))
	if magic == 1 {
		dst = append(dst, byte(codec)&kafka07CompressionMask)
	}
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(payload))
	return append(dst, payload...), nil
}

// AppendKafka07Wrapper appends a magic 1 message whose payload is the inner
// message set (entries back to back, e.g. from AppendKafka07Message)
// compressed with codec (gzip members, or snappy-java's xerial framing), as
// 0.7's CompressionUtils.compress builds it.
func AppendKafka07Wrapper(dst []byte, codec Compression, innerSet []byte) ([]byte, error) {
	if codec != CompressionGzip && codec != CompressionSnappy {
		return nil, fmt.Errorf("kseg/format: Kafka 0.7 wrappers use gzip or snappy, not %s", codec)
	}
	payload, err := Compress(codec, 0, nil, innerSet)
	if err != nil {
		return nil, err
	}
	return AppendKafka07Message(dst, 1, codec, payload)
}

func (r *Kafka07Reader) crc07(pos, n int64) (uint32, error) { return r.crc(pos, n, crc32.IEEETable) }
