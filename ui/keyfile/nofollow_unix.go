//go:build unix

package keyfile

import "syscall"

// oNoFollow makes opening a planted symlink fail instead of writing through it.
const oNoFollow = syscall.O_NOFOLLOW
