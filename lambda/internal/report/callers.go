package report

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// overflowValue is how package evidence counts values beyond the distinct ones it keeps.
const overflowValue = "(other)"

// callerGroup is a set of source addresses shown as one line: AWS addresses by service and
// Region, others by network (/24 for IPv4, /48 for IPv6), so thousands of addresses stay readable.
type callerGroup struct {
	label     string   // "AWS EC2 ap-northeast-1", "203.0.113.0/24", or a name CloudTrail wrote
	inside    bool     // inside AWS
	calls     int      // calls from the group
	addresses []string // distinct addresses, most calls first
}

// examplesShown is how many addresses of a group are named; the rest are counted.
const examplesShown = 3

// groupCallers groups source addresses. Calls beyond the distinct addresses evidence keeps
// (its "(other)" bucket) come back as unkept: counted exactly, never shown as a caller.
func groupCallers(ips []evidence.IPCount) (groups []callerGroup, unkept int) {
	byLabel := map[string]*callerGroup{}
	for _, ip := range ips {
		addr := string(ip.IP)
		if addr == overflowValue {
			unkept += ip.Calls
			continue
		}
		label, inside := callerLabel(ip)
		g, ok := byLabel[label]
		if !ok {
			g = &callerGroup{label: label, inside: inside}
			byLabel[label] = g
		}
		g.calls += ip.Calls
		g.addresses = append(g.addresses, addr) // ips arrive most calls first
	}
	for _, g := range byLabel {
		groups = append(groups, *g)
	}
	slices.SortFunc(groups, func(a, b callerGroup) int {
		return cmp.Or(cmp.Compare(b.calls, a.calls), cmp.Compare(a.label, b.label))
	})
	return groups, unkept
}

// callerLabel names an address's group. In ip-ranges.json, AMAZON is the superset of every
// service and GLOBAL a Region-less range; neither says more than "AWS".
func callerLabel(ip evidence.IPCount) (string, bool) {
	a, err := netip.ParseAddr(string(ip.IP))
	if err != nil {
		// CloudTrail wrote a name as the source: an AWS service ("ec2.amazonaws.com",
		// "AWS Internal") or whatever a caller's proxy put there.
		if ip.InsideAWS {
			return "AWS " + plain(string(ip.IP), 64), true
		}
		return plain(string(ip.IP), 64), false
	}
	if !ip.InsideAWS {
		return network(a), false
	}
	parts := []string{"AWS"}
	if s := ip.AWSService; s != "" && s != "AMAZON" {
		parts = append(parts, plain(s, 40))
	}
	if r := ip.AWSRegion; r != "" && r != "GLOBAL" {
		parts = append(parts, plain(r, 40))
	}
	if len(parts) == 1 {
		parts = append(parts, network(a))
	}
	return strings.Join(parts, " "), true
}

// network is the /24 (IPv4) or /48 (IPv6) an address belongs to.
func network(a netip.Addr) string {
	bits := 48
	if a.Is4() || a.Is4In6() {
		a, bits = a.Unmap(), 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return a.String()
	}
	return p.String()
}

// groupConsole groups the console's addresses (which evidence keeps without placement) by network.
func groupConsole(ips []evidence.Count) ([]callerGroup, int) {
	list := make([]evidence.IPCount, 0, len(ips))
	for _, c := range ips {
		list = append(list, evidence.IPCount{IP: evidence.Text(c.Value), Calls: c.Calls})
	}
	return groupCallers(list)
}
