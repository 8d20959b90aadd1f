package format

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// corpusDir is the shared corpus of real broker-written segments (never
// copied into the repository).
const corpusDir = "../../shared/corpus"

type manifestRow struct {
	path                       string
	magic                      int
	codecs                     []string
	batches, records           int
	first, last                int64
	control, txn, withProducer int
}

var (
	sectionRe = regexp.MustCompile("^### `([^`]+)/`")
	rowRe     = regexp.MustCompile("^\\| `([^`]+)` \\| \\d+ \\| \\w+ \\| (?:[^|]*?: )?v(\\d) ([a-z0-9+]+); (\\d+) (?:batches|entries), (\\d+) recs, offsets (\\d+)\\.\\.(\\d+);([^|]*)all CRCs OK")
	countRe   = regexp.MustCompile(`(\d+) (control batches|transactional batches|with producerId)`)
)

// readManifest returns every segment row of the corpus MANIFEST whose
// description says what a decoder must find.
func readManifest(t *testing.T) []manifestRow {
	f, err := os.Open(filepath.Join(corpusDir, "MANIFEST.md"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	var rows []manifestRow
	section := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := sectionRe.FindStringSubmatch(line); m != nil {
			section = m[1]
			continue
		}
		m := rowRe.FindStringSubmatch(line)
		if m == nil || section == "" || section == "kafka-rust" || section == "kafka-go" {
			continue
		}
		r := manifestRow{path: filepath.Join(corpusDir, section, m[1]), codecs: strings.Split(m[3], "+")}
		r.magic, _ = strconv.Atoi(m[2])
		r.batches, _ = strconv.Atoi(m[4])
		r.records, _ = strconv.Atoi(m[5])
		r.first, _ = strconv.ParseInt(m[6], 10, 64)
		r.last, _ = strconv.ParseInt(m[7], 10, 64)
		for _, c := range countRe.FindAllStringSubmatch(m[8], -1) {
			n, _ := strconv.Atoi(c[1])
			switch c[2] {
			case "control batches":
				r.control = n
			case "transactional batches":
				r.txn = n
			case "with producerId":
				r.withProducer = n
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCorpusManifest decodes every real segment of the shared corpus, shallow
// and deep, and checks what the MANIFEST says about it.
func TestCorpusManifest(t *testing.T) {
	rows := readManifest(t)
	if len(rows) < 60 {
		t.Fatalf("only %d manifest rows parsed; the MANIFEST format changed?", len(rows))
	}
	for _, row := range rows {
		t.Run(strings.TrimPrefix(row.path, corpusDir+"/"), func(t *testing.T) {
			f, err := os.Open(row.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			r := NewBatchReader(f, st.Size(), ReaderOptions{File: filepath.Base(row.path)})
			d := NewRecordDecoder(DecoderOptions{File: filepath.Base(row.path)})
			var got manifestRow
			got.first = -1
			codecs := map[string]bool{}
			deep := 0
			for {
				b, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("batch %d: %v", got.batches, err)
				}
				if !b.Valid {
					t.Fatalf("batch at %d: stored crc %d computed %d", b.Position, b.CRC, b.ComputedCRC)
				}
				if int(b.Magic) != row.magic {
					t.Fatalf("batch at %d: magic %d, manifest says v%d", b.Position, b.Magic, row.magic)
				}
				if got.first < 0 {
					got.first = b.BaseOffset
				}
				got.last = b.LastOffset()
				got.batches++
				got.records += int(b.NumRecords)
				codecs[b.Compression().String()] = true
				if b.IsControl() {
					got.control++
				}
				if b.IsTransactional() {
					got.txn++
				}
				if b.ProducerID >= 0 {
					got.withProducer++
				}
				if err := d.Reset(b); err != nil {
					t.Fatalf("deep reset at %d: %v", b.Position, err)
				}
				for {
					rec, err := d.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("deep at %d: %v", b.Position, err)
					}
					if rec.Magic < 2 && !rec.Valid {
						t.Fatalf("inner message at offset %d: CRC invalid", rec.Offset)
					}
					if b.IsControl() {
						if _, err := ParseControlRecord(rec.Key, rec.Value); err != nil {
							t.Fatalf("control record at %d: %v", rec.Offset, err)
						}
					}
					deep++
				}
			}
			if r.ValidBytes() != st.Size() {
				t.Fatalf("valid bytes %d of %d", r.ValidBytes(), st.Size())
			}
			if got.batches != row.batches || got.records != row.records || got.first != row.first || got.last != row.last {
				t.Fatalf("got %d batches %d records offsets %d..%d; manifest %d, %d, %d..%d",
					got.batches, got.records, got.first, got.last, row.batches, row.records, row.first, row.last)
			}
			for _, c := range row.codecs {
				if !codecs[c] {
					t.Fatalf("codec %s not seen (saw %v)", c, codecs)
				}
			}
			if len(codecs) != len(row.codecs) {
				t.Fatalf("codecs %v, manifest %v", codecs, row.codecs)
			}
			if got.control != row.control || (row.txn > 0 && got.txn != row.txn) || (row.withProducer > 0 && got.withProducer != row.withProducer) {
				t.Fatalf("control %d txn %d producer %d; manifest %d %d %d", got.control, got.txn, got.withProducer, row.control, row.txn, row.withProducer)
			}
			if deep < got.batches {
				t.Fatalf("deep iteration found %d records in %d batches", deep, got.batches)
			}
		})
	}
}

// TestCorpusKafkaliteGolden compares deep-decoded v0 values (none, gzip,
// snappy wrappers with absolute inner offsets) with kafkalite's golden
// "offset: value" files.
func TestCorpusKafkaliteGolden(t *testing.T) {
	base := filepath.Join(corpusDir, "kafkalite/tests/test-data")
	for _, p := range []string{"hamlet-none-0", "hamlet-gzip-0", "hamlet-snappy-0", "numbers-0"} {
		t.Run(p, func(t *testing.T) {
			golden, err := os.ReadFile(filepath.Join(base, "golden", p))
			if err != nil {
				t.Skip(err)
			}
			data, err := os.ReadFile(filepath.Join(base, "fs-data", p, "00000000000000000000.log"))
			if err != nil {
				t.Fatal(err)
			}
			_, recs := decodeAll(t, data)
			var sb strings.Builder
			for _, r := range recs {
				// kafkalite's golden files hold Haskell show'd strings.
				v := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\t", `\t`, "\n", `\n`).Replace(string(r.Value))
				fmt.Fprintf(&sb, "%d: \"%s\"\n", r.Offset, v)
			}
			if sb.String() != string(golden) {
				gl := strings.Split(string(golden), "\n")
				ol := strings.Split(sb.String(), "\n")
				for i := range min(len(gl), len(ol)) {
					if gl[i] != ol[i] {
						t.Fatalf("line %d: got %q want %q", i+1, ol[i], gl[i])
					}
				}
				t.Fatalf("length differs: got %d lines want %d", len(ol), len(gl))
			}
		})
	}
}

var _ = errors.Is
