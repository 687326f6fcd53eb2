// Package profile profiles the whole provkeys process on request, for measuring the real
// program rather than a benchmark of one part (docs/ARCHITECTURE-perf.md).
package profile

import (
	"os"
	"runtime"
	"runtime/pprof"
)

// FromEnv writes a CPU profile of the whole run to $PROVKEYS_CPUPROFILE and a heap profile
// at its end to $PROVKEYS_MEMPROFILE, for measuring the real program (docs/ARCHITECTURE-perf.md).
func FromEnv() (stop func()) {
	cpu, mem := os.Getenv("PROVKEYS_CPUPROFILE"), os.Getenv("PROVKEYS_MEMPROFILE")
	var f *os.File
	if cpu != "" {
		var err error
		if f, err = os.Create(cpu); err == nil && pprof.StartCPUProfile(f) != nil {
			f.Close()
			f = nil
		}
	}
	return func() {
		if f != nil {
			pprof.StopCPUProfile()
			f.Close()
		}
		if mem != "" {
			if m, err := os.Create(mem); err == nil {
				runtime.GC()
				_ = pprof.WriteHeapProfile(m)
				m.Close()
			}
		}
	}
}
