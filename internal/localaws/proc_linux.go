package localaws

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes a started server end with the process that started it, even when that
// process panics or is killed before it can stop the server (a test binary, the demo).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
