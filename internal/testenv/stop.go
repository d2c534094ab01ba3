package testenv

import (
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
)

var (
	stopMu  sync.Mutex
	stopped []*exec.Cmd
)

// stopOnExit kills cmd when the test binary is interrupted; Cleanup kills it at normal exit
// through TestMain helpers (StopAll).
func stopOnExit(cmd *exec.Cmd) {
	stopMu.Lock()
	defer stopMu.Unlock()
	if len(stopped) == 0 {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-c
			StopAll()
			os.Exit(1)
		}()
	}
	stopped = append(stopped, cmd)
}

// Main runs a package's tests and then stops the servers they started; call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

// StopAll kills every process this package started. Packages whose tests start servers call it
// from TestMain after m.Run.
func StopAll() {
	stopMu.Lock()
	defer stopMu.Unlock()
	for _, c := range stopped {
		if c.Process != nil {
			_ = c.Process.Kill()
		}
	}
	stopped = nil
}
