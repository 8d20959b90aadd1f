package analyze

import (
	"encoding/json"
	"math"
	"math/bits"
)

// Histogram layout: values below 2*histSub are counted exactly; above, each
// power of two is split into histSub linear sub-buckets, so a quantile is
// within 1/histSub (6.25%) of the true value whatever the range, and the
// histogram is a fixed 7.5 KiB however many values it sees (HDR-histogram
// style; a growing slice of samples would be O(batches)).
const (
	histSubBits = 4
	histSub     = 1 << histSubBits
	histBuckets = 2*histSub + (62-histSubBits)*histSub // int64 values: bits.Len64 ≤ 63
)

// Histogram is a bounded, fixed-bucket histogram of non-negative int64
// values (records per batch, batch sizes). The zero value is empty and ready.
// Not safe for concurrent use.
type Histogram struct {
	count   int64
	sum     int64
	min     int64
	max     int64
	buckets [histBuckets]int64
}

func histBucket(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(v) - 1 // ≥ histSubBits+1
	shift := e - histSubBits
	sub := int(v>>uint(shift)) & (histSub - 1)
	return 2*histSub + (e-histSubBits-1)*histSub + sub
}

// histUpper is the largest value that falls in bucket i.
func histUpper(i int) int64 {
	if i < 2*histSub {
		return int64(i)
	}
	k := i - 2*histSub
	e := k/histSub + histSubBits + 1
	sub := k % histSub
	shift := uint(e - histSubBits)
	lower := uint64(histSub+sub) << shift
	return int64(lower + (1 << shift) - 1)
}

// Add records one value; negative values count as 0.
func (h *Histogram) Add(v int64) {
	if v < 0 {
		v = 0
	}
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.count++
	h.sum += v
	h.buckets[histBucket(uint64(v))]++
}

// Merge adds o's values to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.count += o.count
	h.sum += o.sum
	for i, n := range o.buckets {
		h.buckets[i] += n
	}
}

// Count is the number of values added.
func (h *Histogram) Count() int64 { return h.count }

// Min is the smallest value (0 when empty).
func (h *Histogram) Min() int64 { return h.min }

// Max is the largest value (0 when empty).
func (h *Histogram) Max() int64 { return h.max }

// Sum is the sum of the values.
func (h *Histogram) Sum() int64 { return h.sum }

// Quantile returns the value at quantile q (0 < q ≤ 1): exact below 32,
// otherwise the upper bound of its bucket, clamped to [Min, Max]. It is 0
// for an empty histogram.
func (h *Histogram) Quantile(q float64) int64 {
	if h.count == 0 {
		return 0
	}
	rank := int64(math.Ceil(q*float64(h.count) - 1e-9))
	if rank < 1 {
		rank = 1
	}
	if rank > h.count {
		rank = h.count
	}
	var seen int64
	for i, n := range h.buckets {
		seen += n
		if seen >= rank {
			v := histUpper(i)
			if v > h.max {
				v = h.max
			}
			if v < h.min {
				v = h.min
			}
			return v
		}
	}
	return h.max
}

// Summary is the five numbers kseg prints for a distribution.
type Summary struct {
	Count int64 `json:"count"`
	Min   int64 `json:"min"`
	P50   int64 `json:"p50"`
	P90   int64 `json:"p90"`
	P99   int64 `json:"p99"`
	Max   int64 `json:"max"`
}

// Summary returns min, p50, p90, p99 and max.
func (h *Histogram) Summary() Summary {
	return Summary{Count: h.count, Min: h.min, P50: h.Quantile(0.5), P90: h.Quantile(0.9), P99: h.Quantile(0.99), Max: h.max}
}

// MarshalJSON renders the Summary.
func (h *Histogram) MarshalJSON() ([]byte, error) { return json.Marshal(h.Summary()) }
