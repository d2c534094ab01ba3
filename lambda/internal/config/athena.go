package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// Athena names the organization trail's table, which makes Athena the primary evidence source.
type Athena struct {
	Database, Table, Workgroup string
	LookbackDays               int // 365 unless set
}

var (
	glueName      = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)
	workgroupName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`) // Athena API reference, WorkGroupName
)

// athenaFromEnv reads the Athena settings: none at all, or table and workgroup together.
func athenaFromEnv(getenv func(string) string, errs *[]error) *Athena {
	a := &Athena{
		Database:     strings.TrimSpace(getenv(contract.EnvAthenaDatabase)),
		Table:        strings.TrimSpace(getenv(contract.EnvAthenaTable)),
		Workgroup:    strings.TrimSpace(getenv(contract.EnvAthenaWorkgroup)),
		LookbackDays: 365,
	}
	days := strings.TrimSpace(getenv(contract.EnvAthenaLookbackDays))
	if a.Database == "" && a.Table == "" && a.Workgroup == "" && days == "" {
		return nil
	}
	if !glueName.MatchString(a.Table) {
		*errs = append(*errs, fmt.Errorf("%s: %q is not a Glue table name", contract.EnvAthenaTable, a.Table))
	}
	if a.Database != "" && !glueName.MatchString(a.Database) {
		*errs = append(*errs, fmt.Errorf("%s: %q is not a Glue database name", contract.EnvAthenaDatabase, a.Database))
	}
	if !workgroupName.MatchString(a.Workgroup) {
		*errs = append(*errs, fmt.Errorf("%s: %q is not an Athena workgroup name", contract.EnvAthenaWorkgroup, a.Workgroup))
	}
	if days != "" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 3660 {
			*errs = append(*errs, fmt.Errorf("%s: %q is not a whole number of days from 1 to 3660", contract.EnvAthenaLookbackDays, days))
		}
		a.LookbackDays = n
	}
	return a
}
