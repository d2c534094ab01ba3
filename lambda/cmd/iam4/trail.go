package main

import (
	"flag"
	"net/http"
)

// trailOptions are the emulator's flags for serving Athena over a trail directory.
type trailOptions struct {
	dir, account               string
	database, table, workgroup string
}

func trailFlags(fs *flag.FlagSet) *trailOptions {
	o := &trailOptions{}
	fs.StringVar(&o.dir, "trail", "", "serve Athena over this trail directory (AWSLogs/[o-id/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/*.json.gz)")
	fs.StringVar(&o.account, "account", "111122223333", "the emulated account, when there is no --scenario")
	fs.StringVar(&o.database, "athena-database", "cloudtrail", "the trail table's database")
	fs.StringVar(&o.table, "athena-table", "cloudtrail_logs", "the trail table's name")
	fs.StringVar(&o.workgroup, "athena-workgroup", "primary", "the one workgroup that exists")
	return o
}

// serve wraps next with the Athena emulator when --trail is set.
func (o *trailOptions) serve(next http.Handler) (http.Handler, func(), error) {
	if o.dir == "" {
		return next, func() {}, nil
	}
	return serveTrail(o, next)
}
