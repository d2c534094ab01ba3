package sink

import (
	"errors"

	"github.com/aws/smithy-go"
)

// Refused reports whether err is a channel's answer that it did not act, so that repeating the
// call cannot duplicate anything: an AWS API error of the client's fault (4xx: validation,
// throttling, access denied) or a Jira 4xx other than a timeout. Anything else, a 5xx, a lost
// connection, a deadline, leaves the outcome unknown.
func Refused(err error) bool {
	var h *HTTPError
	if errors.As(err, &h) {
		return h.Status/100 == 4 && h.Status != 408
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorFault() == smithy.FaultClient
	}
	return false
}
