package testenv

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
)

var (
	stopMu  sync.Mutex
	stopped []func()
)

// stopOnExit registers stop to run at StopAll or when the test binary is interrupted.
func stopOnExit(stop func()) {
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
	stopped = append(stopped, stop)
}

// Main runs a package's tests and then stops the servers they started; call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

// StopAll stops every process this package started.
func StopAll() {
	stopMu.Lock()
	defer stopMu.Unlock()
	for _, stop := range stopped {
		stop()
	}
	stopped = nil
}
