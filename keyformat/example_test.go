package keyformat_test

import (
	"errors"
	"fmt"

	"provkeys/keyformat"
)

func ExampleParse() {
	_, err := keyformat.Parse("3|api.private.zscaler.com|ITfVkU6RBiV8X9fb...")
	var pe *keyformat.ParseError
	if errors.As(err, &pe) {
		fmt.Println(pe.Part, pe.Pos)
	}
	fmt.Println(err)
	// Output:
	// payload 42
	// payload at position 43: "..." — the key looks truncated
}

func ExampleFingerprint() {
	fmt.Println(keyformat.Fingerprint("abc"))
	fmt.Println(keyformat.ShortFingerprint(keyformat.Fingerprint("abc")))
	// Output:
	// SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0
	// ungWv48Bz+pB
}

func ExampleMask() {
	fmt.Println(keyformat.Mask("3|api.private.zscaler.com|ITfVkU6RBiV8X9fboO3kV3rbBUz5nYBQ"))
	// Output: 3|api.private.zscaler.com|••••
}
