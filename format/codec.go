package format

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// DefaultMaxDecompressedSize caps the decoded size of one batch. A hostile
// batch of a few KiB can claim (gzip, zstd) or really produce gigabytes; the
// cap turns that into a ReasonDecompressedTooLarge corruption instead of an
// out-of-memory kill. Kafka's own limit is max.message.bytes for the
// *compressed* batch, so real data stays far below this.
const DefaultMaxDecompressedSize = 128 << 20

// errTooLarge is returned by the codecs when the output would exceed max.
var errTooLarge = errors.New("decompressed size exceeds the limit")

// Decompress appends the decoded form of src (compressed with c, as written
// into a batch of the given magic) to dst[:0] and returns it. The output never
// exceeds max bytes (<= 0 means DefaultMaxDecompressedSize). Errors are
// plain; callers wrap them into a *CorruptionError with the batch position.
func Decompress(c Compression, magic int8, dst, src []byte, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxDecompressedSize
	}
	dst = dst[:0]
	switch c {
	case CompressionNone:
		if len(src) > max {
			return nil, errTooLarge
		}
		return append(dst, src...), nil
	case CompressionGzip:
		return gunzip(dst, src, max)
	case CompressionSnappy:
		return unsnappy(dst, src, max)
	case CompressionLZ4:
		return unlz4(dst, src, max, magic == 0)
	case CompressionZstd:
		if magic < 2 {
			return nil, fmt.Errorf("zstd is not supported for magic %d", magic)
		}
		return unzstd(dst, src, max)
	}
	return nil, fmt.Errorf("unknown compression type id %d", int8(c))
}

// Compress appends src compressed with c to dst, framed as Kafka's Java
// client writes it for the given magic: gzip members, xerial-framed snappy,
// LZ4 frames (with the broken header checksum for magic 0, KAFKA-3160), zstd
// frames.
func Compress(c Compression, magic int8, dst, src []byte) ([]byte, error) {
	switch c {
	case CompressionNone:
		return append(dst, src...), nil
	case CompressionGzip:
		var buf bytes.Buffer
		w := gzipWriters.Get().(*gzip.Writer)
		w.Reset(&buf)
		if _, err := w.Write(src); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		gzipWriters.Put(w)
		return append(dst, buf.Bytes()...), nil
	case CompressionSnappy:
		return appendXerial(dst, src), nil
	case CompressionLZ4:
		return appendLZ4Frame(dst, src, magic == 0)
	case CompressionZstd:
		if magic < 2 {
			return nil, fmt.Errorf("kseg/format: zstd is not supported for magic %d", magic)
		}
		enc := zstdEncoder()
		return enc.EncodeAll(src, dst), nil
	}
	return nil, fmt.Errorf("kseg/format: unknown compression type id %d", int8(c))
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// gzipState pairs a pooled gzip reader with the bytes.Reader it reads, so a
// deep pass over gzip batches allocates nothing per batch once warm.
type gzipState struct {
	src bytes.Reader
	zr  *gzip.Reader
}

var gzipReaders sync.Pool

func gunzip(dst, src []byte, max int) ([]byte, error) {
	st, _ := gzipReaders.Get().(*gzipState)
	if st == nil {
		st = new(gzipState)
	}
	st.src.Reset(src)
	if st.zr == nil {
		zr, err := gzip.NewReader(&st.src)
		if err != nil {
			return nil, err
		}
		st.zr = zr
	} else if err := st.zr.Reset(&st.src); err != nil {
		return nil, err
	}
	defer gzipReaders.Put(st)
	// Concatenated members are accepted, as GZIPInputStream does.
	st.zr.Multistream(true)
	return readCapped(dst, st.zr, max)
}

func readCapped(dst []byte, r io.Reader, max int) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			if len(dst) > max {
				return nil, errTooLarge
			}
			n := cap(dst) * 2
			if n < 4096 {
				n = 4096
			}
			if n > max+1 {
				n = max + 1
			}
			nd := make([]byte, len(dst), n)
			copy(nd, dst)
			dst = nd
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst) > max {
			return nil, errTooLarge
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// xerialHeader is snappy-java's SnappyOutputStream magic (8 bytes), followed
// by int32 version and int32 min-compatible version.
var xerialHeader = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const xerialHeaderLen = 16

// unsnappy decodes xerial-framed snappy (header, then [int32 length | raw
// block]*) or, when the header is absent, one raw snappy block, as
// snappy-java's SnappyInputStream does.
func unsnappy(dst, src []byte, max int) ([]byte, error) {
	if len(src) < xerialHeaderLen || !bytes.Equal(src[:8], xerialHeader) {
		return appendSnappyBlock(dst, src, max)
	}
	for p := xerialHeaderLen; p < len(src); {
		if len(src)-p < 4 {
			return nil, errors.New("xerial snappy: truncated chunk length")
		}
		n := int(binary.BigEndian.Uint32(src[p:]))
		p += 4
		if n < 0 || n > len(src)-p {
			return nil, fmt.Errorf("xerial snappy: chunk length %d exceeds the %d remaining bytes", n, len(src)-p)
		}
		var err error
		if dst, err = appendSnappyBlock(dst, src[p:p+n], max); err != nil {
			return nil, err
		}
		p += n
	}
	return dst, nil
}

func appendSnappyBlock(dst, block []byte, max int) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n < 0 || n > max-len(dst) {
		return nil, errTooLarge
	}
	dst = grow(dst, n)
	out, err := snappy.Decode(dst[len(dst):len(dst)+n], block)
	if err != nil {
		return nil, err
	}
	if len(out) != n {
		return nil, errors.New("snappy: decoded length mismatch")
	}
	return dst[:len(dst)+n], nil
}

// appendXerial writes snappy-java's framing with 32 KiB blocks.
func appendXerial(dst, src []byte) []byte {
	dst = append(dst, xerialHeader...)
	dst = binary.BigEndian.AppendUint32(dst, 1)
	dst = binary.BigEndian.AppendUint32(dst, 1)
	const block = 32 << 10
	for len(src) > 0 {
		n := min(len(src), block)
		enc := snappy.Encode(nil, src[:n])
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(enc)))
		dst = append(dst, enc...)
		src = src[n:]
	}
	return dst
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n)
	copy(nb, b)
	return nb
}

// LZ4 frame format constants (lz4 frame spec; Kafka's Lz4BlockInputStream).
const (
	lz4Magic         = 0x184D2204
	lz4FlgVersion    = 0x40
	lz4FlgBlockIndep = 0x20
	lz4FlgBlockCksum = 0x10
	lz4FlgContentSz  = 0x08
	lz4FlgContentCk  = 0x04
	lz4FlgDictID     = 0x01
)

// unlz4 decodes an LZ4 frame. For magic 0 the header checksum byte is
// ignored, because Kafka before 0.10 computed it over the magic too
// (KAFKA-3160) and still writes it that way for v0 messages; standard readers
// reject such frames.
func unlz4(dst, src []byte, max int, ignoreHC bool) ([]byte, error) {
	if len(src) < 7 {
		return nil, errors.New("lz4: frame header too short")
	}
	if binary.LittleEndian.Uint32(src) != lz4Magic {
		return nil, errors.New("lz4: bad frame magic")
	}
	flg, bd := src[4], src[5]
	if flg>>6 != 1 {
		return nil, fmt.Errorf("lz4: unsupported frame version %d", flg>>6)
	}
	if flg&0x02 != 0 || flg&lz4FlgDictID != 0 || bd&0x8f != 0 {
		return nil, errors.New("lz4: reserved bits set")
	}
	if flg&lz4FlgBlockIndep == 0 {
		return nil, errors.New("lz4: dependent blocks are not supported")
	}
	blockMax := 1 << (8 + 2*uint((bd>>4)&7))
	if (bd>>4)&7 < 4 {
		return nil, fmt.Errorf("lz4: bad block size code %d", (bd>>4)&7)
	}
	p := 6
	if flg&lz4FlgContentSz != 0 {
		p += 8
	}
	if len(src) < p+1 {
		return nil, errors.New("lz4: frame header too short")
	}
	if !ignoreHC {
		if hc := byte(xxh32(src[4:p], 0) >> 8); hc != src[p] {
			// Kafka's pre-0.10 writers hashed from the frame magic; accept
			// that form only where Kafka does (magic 0, handled above).
			return nil, errors.New("lz4: frame descriptor checksum mismatch")
		}
	}
	p++
	for {
		if len(src)-p < 4 {
			return nil, errors.New("lz4: truncated block size")
		}
		bs := binary.LittleEndian.Uint32(src[p:])
		p += 4
		if bs == 0 {
			break // end mark
		}
		raw := bs&0x80000000 != 0
		n := int(bs & 0x7fffffff)
		if n > blockMax || n > len(src)-p {
			return nil, fmt.Errorf("lz4: block size %d invalid", n)
		}
		block := src[p : p+n]
		p += n
		if flg&lz4FlgBlockCksum != 0 {
			if len(src)-p < 4 {
				return nil, errors.New("lz4: truncated block checksum")
			}
			if binary.LittleEndian.Uint32(src[p:]) != xxh32(block, 0) {
				return nil, errors.New("lz4: block checksum mismatch")
			}
			p += 4
		}
		if raw {
			if n > max-len(dst) {
				return nil, errTooLarge
			}
			dst = append(dst, block...)
			continue
		}
		room := min(blockMax, max-len(dst))
		if room <= 0 {
			return nil, errTooLarge
		}
		dst = grow(dst, room)
		k, err := lz4.UncompressBlock(block, dst[len(dst):len(dst)+room])
		if err != nil {
			if room < blockMax {
				return nil, errTooLarge
			}
			return nil, fmt.Errorf("lz4: %v", err)
		}
		dst = dst[:len(dst)+k]
	}
	// The optional content checksum is read but, like Kafka, not verified.
	return dst, nil
}

// appendLZ4Frame writes a frame the way Kafka's Lz4BlockOutputStream does:
// FLG 0x60 (version 1, independent blocks), BD 0x40 (64 KiB blocks), header
// checksum, blocks, end mark. brokenHC reproduces the v0 checksum (KAFKA-3160):
// XXH32 over magic+FLG+BD instead of FLG+BD.
func appendLZ4Frame(dst, src []byte, brokenHC bool) ([]byte, error) {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, lz4Magic)
	dst = append(dst, lz4FlgVersion|lz4FlgBlockIndep, 0x40)
	if brokenHC {
		dst = append(dst, byte(xxh32(dst[start:start+6], 0)>>8))
	} else {
		dst = append(dst, byte(xxh32(dst[start+4:start+6], 0)>>8))
	}
	const block = 64 << 10
	var c lz4.Compressor
	buf := make([]byte, lz4.CompressBlockBound(block))
	for len(src) > 0 {
		n := min(len(src), block)
		k, err := c.CompressBlock(src[:n], buf)
		if err != nil {
			return nil, err
		}
		if k == 0 || k >= n {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(n)|0x80000000)
			dst = append(dst, src[:n]...)
		} else {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(k))
			dst = append(dst, buf[:k]...)
		}
		src = src[n:]
	}
	return binary.LittleEndian.AppendUint32(dst, 0), nil
}

// xxh32 is XXH32 (seed as given), used only for LZ4 frame checksums.
func xxh32(b []byte, seed uint32) uint32 {
	const (
		p1 = 2654435761
		p2 = 2246822519
		p3 = 3266489917
		p4 = 668265263
		p5 = 374761393
	)
	rotl := func(x uint32, r uint) uint32 { return x<<r | x>>(32-r) }
	n := len(b)
	var h uint32
	if n >= 16 {
		v1, v2, v3, v4 := seed+p1+p2, seed+p2, seed, seed-p1
		for len(b) >= 16 {
			v1 = rotl(v1+binary.LittleEndian.Uint32(b[0:])*p2, 13) * p1
			v2 = rotl(v2+binary.LittleEndian.Uint32(b[4:])*p2, 13) * p1
			v3 = rotl(v3+binary.LittleEndian.Uint32(b[8:])*p2, 13) * p1
			v4 = rotl(v4+binary.LittleEndian.Uint32(b[12:])*p2, 13) * p1
			b = b[16:]
		}
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
	} else {
		h = seed + p5
	}
	h += uint32(n)
	for len(b) >= 4 {
		h = rotl(h+binary.LittleEndian.Uint32(b)*p3, 17) * p4
		b = b[4:]
	}
	for _, c := range b {
		h = rotl(h+uint32(c)*p5, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}

var (
	zstdDecoders sync.Pool
	zstdEncOnce  sync.Once
	zstdEnc      *zstd.Encoder
)

type zstdState struct {
	src bytes.Reader
	d   *zstd.Decoder
}

func unzstd(dst, src []byte, max int) ([]byte, error) {
	st, _ := zstdDecoders.Get().(*zstdState)
	if st == nil {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(DefaultMaxDecompressedSize)), zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			return nil, err
		}
		st = &zstdState{d: d}
	}
	defer zstdDecoders.Put(st)
	st.src.Reset(src)
	if err := st.d.Reset(&st.src); err != nil {
		return nil, err
	}
	return readCapped(dst, st.d, max)
}

func zstdEncoder() *zstd.Encoder {
	zstdEncOnce.Do(func() {
		zstdEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	})
	return zstdEnc
}
