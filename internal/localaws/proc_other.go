//go:build !linux

package localaws

import "os/exec"

// dieWithParent has no portable equivalent off Linux; Stop and the callers' cleanup remain.
func dieWithParent(*exec.Cmd) {}
