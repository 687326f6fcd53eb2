package keydoc

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"provkeys/model"
)

// TestAppendJSON holds the hand-written encoder to encoding/json's bytes for keys with
// every kind of text a store can hold (and some it refuses), groups or none, expiry or not.
func TestAppendJSON(t *testing.T) {
	texts := []string{"", "web-01", `quote " and \ back`, "<b>&amp;</b>", "tab\tnew\nline\r",
		"\x00\x01\x1f\x7f", "émoji ✓ 日本", "line\u2028para\u2029", "bad \xff\xfe utf8", "\u009b2J",
		"key-\u202egnp.exe", "\x1b]52;c;aGk=\x07"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return texts[rng.IntN(len(texts))] }
	for i := range 2000 {
		k := model.Key{
			ID: rng.Int64N(1 << 40), Name: pick(), CertID: 3, CertName: pick(), Enabled: rng.IntN(2) == 0,
			AllowReenroll: rng.IntN(2) == 0, Exportable: rng.IntN(2) == 0, Cloud: pick(),
			Fingerprint: pick(), Description: pick(), MaxUsage: rng.Int64N(100), UsageCount: -rng.Int64N(5),
			CreatedAt: time.UnixMicro(rng.Int64N(4e15)), CreatedBy: pick(),
			UpdatedAt: time.UnixMicro(rng.Int64N(4e15)).In(time.FixedZone("x", 3600)), UpdatedBy: pick(),
			Version: rng.Int64N(1000),
		}
		for range rng.IntN(4) {
			k.Groups = append(k.Groups, model.GroupRef{ID: 1, Name: pick()})
		}
		if rng.IntN(2) == 0 {
			k.ExpiresAt = time.UnixMicro(rng.Int64N(4e15))
		}
		secret := ""
		if i%5 == 0 {
			secret = pick()
		}
		for _, pi := range [][2]string{{"  ", "  "}, {"", "  "}, {"", ""}} {
			want, err := json.MarshalIndent(New(k, secret), pi[0], pi[1])
			if err != nil {
				t.Fatal(err)
			}
			if got := AppendJSON(nil, &k, secret, pi[0], pi[1]); string(got) != string(want) {
				t.Fatalf("key %d (prefix %q indent %q):\ngot  %s\nwant %s", i, pi[0], pi[1], got, want)
			}
		}
		now := time.UnixMicro(rng.Int64N(4e15))
		want, _ := json.MarshalIndent(New(k, secret).WithState(k, now), "  ", "  ")
		if got := AppendJSONAt(nil, &k, secret, "  ", "  ", now); string(got) != string(want) {
			t.Fatalf("key %d with state:\ngot  %s\nwant %s", i, got, want)
		}
	}
}
