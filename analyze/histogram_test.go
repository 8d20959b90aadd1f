package analyze

import (
	"math/rand/v2"
	"sort"
	"testing"
)

func TestHistogramExactBelow32(t *testing.T) {
	var h Histogram
	for v := int64(1); v <= 10; v++ {
		h.Add(v)
	}
	if s := h.Summary(); s != (Summary{Count: 10, Min: 1, P50: 5, P90: 9, P99: 10, Max: 10}) {
		t.Errorf("%+v", s)
	}
	var empty Histogram
	if s := empty.Summary(); s != (Summary{}) {
		t.Errorf("empty %+v", s)
	}
}

func TestHistogramBucketsContiguous(t *testing.T) {
	prev := int64(-1)
	for i := 0; i < histBuckets; i++ {
		up := histUpper(i)
		if up <= prev {
			t.Fatalf("bucket %d upper %d <= %d", i, up, prev)
		}
		if histBucket(uint64(prev+1)) != i || histBucket(uint64(up)) != i {
			t.Fatalf("bucket %d [%d,%d] maps to %d/%d", i, prev+1, up, histBucket(uint64(prev+1)), histBucket(uint64(up)))
		}
		prev = up
	}
	if prev != 1<<63-1 { // the last bucket ends at MaxInt64
		t.Errorf("last upper %d", prev)
	}
}

func TestHistogramRelativeError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h, a, b Histogram
	vals := make([]int64, 10000)
	for i := range vals {
		v := int64(rng.ExpFloat64() * 20000)
		vals[i] = v
		h.Add(v)
		if i%2 == 0 {
			a.Add(v)
		} else {
			b.Add(v)
		}
	}
	a.Merge(&b)
	if a.Summary() != h.Summary() {
		t.Errorf("merge %+v != %+v", a.Summary(), h.Summary())
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	for _, q := range []float64{0.5, 0.9, 0.99} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/histSub+1 {
			t.Errorf("q%.2f: %d, exact %d", q, got, exact)
		}
	}
	if h.Min() != vals[0] || h.Max() != vals[len(vals)-1] {
		t.Errorf("min %d max %d", h.Min(), h.Max())
	}
}
