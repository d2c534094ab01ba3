package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/athena"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// athenaOptions are investigate's flags for the organization trail's Athena table.
type athenaOptions struct {
	table, workgroup, database, output string
	days                               int
}

func athenaFlags(fs *flag.FlagSet) *athenaOptions {
	o := &athenaOptions{}
	fs.StringVar(&o.table, "athena-table", "", "read the root's history from this CloudTrail table with Athena (then --days covers event history only)")
	fs.StringVar(&o.workgroup, "athena-workgroup", "", "the Athena workgroup to run the query in (required with --athena-table)")
	fs.StringVar(&o.database, "athena-database", "", "the table's database (default: the workgroup's)")
	fs.StringVar(&o.output, "athena-output", "", "s3:// prefix for query results (default: the workgroup's)")
	fs.IntVar(&o.days, "athena-days", 365, "lookback of the Athena query in days")
	return o
}

// source is the Athena source the flags describe, nil without --athena-table.
func (o *athenaOptions) source() (*investigation.AthenaSource, error) {
	if o.table == "" {
		if o.workgroup != "" || o.database != "" {
			return nil, fmt.Errorf("--athena-workgroup and --athena-database need --athena-table")
		}
		return nil, nil
	}
	if o.workgroup == "" {
		return nil, fmt.Errorf("--athena-table needs --athena-workgroup")
	}
	if o.days < 1 {
		return nil, fmt.Errorf("--athena-days %d: at least 1", o.days)
	}
	t := athena.Table{Name: o.table, Workgroup: o.workgroup, Database: o.database, OutputLocation: o.output}
	if err := t.Check(); err != nil {
		return nil, err
	}
	return &investigation.AthenaSource{Table: t, Lookback: time.Duration(o.days) * 24 * time.Hour}, nil
}
