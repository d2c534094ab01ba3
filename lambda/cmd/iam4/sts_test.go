package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// stsStub answers GetCallerIdentity as STS does (query protocol), for the scenario's account.
// STS itself runs on moto in the integration tests; this stub keeps the CLI test self-contained.
func stsStub(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
			`<Arn>arn:aws:iam::111122223333:user/ops</Arn><UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account>` +
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
