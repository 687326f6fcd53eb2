package store

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
)

// TestCACacheSigner: a CA's key is unsealed once however many sign with it, at once or in
// turn; a failure to open is not kept; Forget makes the next signature unseal it again.
func TestCACacheSigner(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var c CACache
	var mu sync.Mutex
	opens := 0
	open := func() (crypto.Signer, error) {
		mu.Lock()
		opens++
		mu.Unlock()
		return key, nil
	}
	s, err := c.Signer(7, open)
	if err != nil || s != key {
		t.Fatalf("first Signer = %v, %v; want the key", s, err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if s, err := c.Signer(7, open); err != nil || s != key {
				t.Errorf("Signer = %v, %v; want the key", s, err)
			}
		})
	}
	wg.Wait()
	if opens != 1 {
		t.Fatalf("the key was unsealed %d times for 17 signatures; want once", opens)
	}

	refused := errors.New("verify only")
	fails := 0
	failing := func() (crypto.Signer, error) { fails++; return nil, refused }
	for range 2 {
		if _, err := c.Signer(8, failing); !errors.Is(err, refused) {
			t.Fatalf("Signer of a CA that cannot sign = %v; want its error", err)
		}
	}
	if fails != 2 {
		t.Fatalf("a failed unseal was asked %d times for 2 signatures; want 2 (not kept)", fails)
	}

	c.Forget(7)
	if _, err := c.Signer(7, open); err != nil || opens != 2 {
		t.Fatalf("after Forget: err %v, unsealed %d times; want a second unseal", err, opens)
	}
}
