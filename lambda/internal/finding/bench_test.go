package finding

import "testing"

// BenchmarkParse measures intake of one sample event (one finding) and its decision.
func BenchmarkParse(b *testing.B) {
	raw := readSample(b, "iam4-consolidated-failed.json")
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		ev, err := Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		_ = Decide(ev.Trigger, ev.Findings[0])
	}
}
