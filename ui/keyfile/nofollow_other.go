//go:build !unix

package keyfile

// oNoFollow is not available here; O_EXCL alone still refuses an existing symlink.
const oNoFollow = 0
