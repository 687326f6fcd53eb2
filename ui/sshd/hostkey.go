package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey returns the PEM of the host key at path and its SHA256 fingerprint,
// generating an ed25519 key there first if the file does not exist.
//
// wish.WithHostKeyPath is not used: its key generator (charmbracelet/keygen) chmods the
// key's directory to 0700 whatever that directory is (--host-key /tmp/k would lock /tmp),
// also writes a .pub beside it, and checks for the file before writing it without O_EXCL.
func loadOrCreateHostKey(path string, log *slog.Logger) (pemBytes []byte, fingerprint string, err error) {
	pemBytes, err = readHostKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		err = createHostKey(path)
		if err == nil {
			log.Info("generated a new SSH host key", "path", path)
		}
		if err == nil || errors.Is(err, fs.ErrExist) { // ErrExist: another process won the race
			pemBytes, err = readHostKey(path)
		}
	}
	if err != nil {
		return nil, "", err
	}
	signer, err := gossh.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, "", fmt.Errorf("host key %s: %w", path, err)
	}
	return pemBytes, gossh.FingerprintSHA256(signer.PublicKey()), nil
}

// readHostKey reads an existing host key, refusing one that others can read as sshd does:
// whoever holds it can impersonate the server to every operator.
func readHostKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("host key %s is accessible by group or others (mode %#o): "+
			"run chmod 600 %s, or delete it to generate a new key", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return b, nil
}

// createHostKey writes a new ed25519 key with O_EXCL, so it never follows a planted symlink
// or overwrites a key another process just wrote.
func createHostKey(path string) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "provkeys host key")
	if err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	if _, err := f.Write(pem.EncodeToMemory(block)); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("host key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("host key %s: %w", path, err)
	}
	return f.Close()
}
