package config

import "github.com/iam4-responder/iam4-responder/lambda/contract"

// Athena names the organization trail's table, which makes Athena the primary evidence source.
type Athena struct {
	Database, Table, Workgroup string
	LookbackDays               int // 365 unless set
}

// athena is the function's part of the contract's Athena settings; nil when Athena is off.
func athena(a *contract.Athena) *Athena {
	if a == nil {
		return nil
	}
	return &Athena{Database: a.Database, Table: a.Table, Workgroup: a.Workgroup, LookbackDays: a.LookbackDays}
}
