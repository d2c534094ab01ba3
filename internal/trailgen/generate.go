package trailgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Spec describes a synthetic organization trail: several accounts and Regions over a number of
// days, management and data events, and a small share of root records (about 0.1 % in real
// trails). The first account is the one under investigation; its root has two keys:
//
//   - BackupKey, used by a nightly job copying to S3 from outside AWS: data events only, which
//     event history never holds;
//   - QuarterlyKey, used once a quarter from an EC2 address: management events, mostly older
//     than event history's 90 days;
//
// and a person signs in to the console now and then. The other accounts' roots have keys of
// their own, which must never be counted for the first.
type Spec struct {
	Layout    Layout
	Accounts  int       // 8 when zero
	Regions   []string  // four when empty
	Records   int       // total records
	RootShare float64   // 0.001 when zero
	Days      int       // 365 when zero
	Now       time.Time // the trail ends here
	Seed      uint64
}

// Keys of the account under investigation.
const (
	BackupKey    = "AKIAIOSFODNN7EXAMPLE"
	QuarterlyKey = "AKIAI44QH8DHBEXAMPL0"
)

// Stats is what Generate wrote and what a reader must find.
type Stats struct {
	Files, Records, Root int
	Accounts             []string
	// KeyCalls are the root key calls of the first account, by key id.
	KeyCalls map[string]int
	// HistoryKeyCalls are those event history can hold: management events of the last 90 days.
	HistoryKeyCalls int
	// History is the first account's root management events, for an event-history emulator.
	History []json.RawMessage
}

// Generate writes the trail to dir, one file per account, Region and day.
func Generate(dir string, s Spec) (Stats, error) {
	if s.Accounts == 0 {
		s.Accounts = 8
	}
	if len(s.Regions) == 0 {
		s.Regions = []string{"us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2"}
	}
	if s.RootShare == 0 {
		s.RootShare = 0.001
	}
	if s.Days == 0 {
		s.Days = 365
	}
	if s.Records < s.Days || s.Now.IsZero() {
		return Stats{}, fmt.Errorf("trailgen: need at least one record a day and a clock")
	}
	if !slices.Contains(s.Regions, "us-east-1") || !slices.Contains(s.Regions, "eu-west-1") || s.Accounts < 2 {
		return Stats{}, fmt.Errorf("trailgen: the plan needs us-east-1, eu-west-1 and at least two accounts")
	}
	st := Stats{KeyCalls: map[string]int{}}
	for i := range s.Accounts {
		st.Accounts = append(st.Accounts, fmt.Sprintf("%012d", 111122223333+uint64(i)*111111111))
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x1a4))
	start := s.Now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -s.Days)
	roots, planned := s.rootPlan(st.Accounts, start)
	slots := s.Days * s.Accounts * len(s.Regions)
	plain := s.Records - planned
	seq := 0
	for d := range s.Days {
		day := start.AddDate(0, 0, d)
		for ai, acc := range st.Accounts {
			for ri, region := range s.Regions {
				slot := (d*s.Accounts+ai)*len(s.Regions) + ri
				n := plain*(slot+1)/slots - plain*slot/slots // spreads the remainder evenly
				rs := roots[rootSlot{acc, region, d}]
				if n == 0 && len(rs) == 0 {
					continue
				}
				f, err := Create(dir, s.Layout, acc, region, day, seq)
				if err != nil {
					return st, err
				}
				seq++
				for i := range n {
					at := day.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
					if err := f.Add(plainRecord(rng, acc, region, at, i)); err != nil {
						return st, err
					}
				}
				for _, r := range rs {
					if err := f.Add(r.raw); err != nil {
						return st, err
					}
					if acc == st.Accounts[0] {
						if r.key != "" {
							st.KeyCalls[r.key]++
							if !r.data && s.Now.Sub(r.at) <= 90*24*time.Hour {
								st.HistoryKeyCalls++
							}
						}
						if !r.data {
							st.History = append(st.History, r.raw)
						}
					}
				}
				st.Records += n + len(rs)
				st.Root += len(rs)
				st.Files++
				if err := f.Close(); err != nil {
					return st, err
				}
			}
		}
	}
	if st.Root != planned {
		return st, fmt.Errorf("trailgen: %d root records planned, %d written", planned, st.Root)
	}
	return st, nil
}

type rootSlot struct {
	account, region string
	day             int
}

type rootRecord struct {
	raw  json.RawMessage
	key  string
	data bool
	at   time.Time
}

// rootPlan places the root records: half of them in the first account (the backup job's
// nightly calls, four quarterly calls, console sign-ins and calls), the rest spread over the
// other accounts' own keys.
func (s Spec) rootPlan(accounts []string, start time.Time) (map[rootSlot][]rootRecord, int) {
	total := max(int(float64(s.Records)*s.RootShare), 8)
	span := time.Duration(s.Days) * 24 * time.Hour
	// at spreads n calls evenly over the window; span/n first, so that nothing overflows.
	at := func(i, n int) time.Time { return start.Add(span / time.Duration(n) * time.Duration(i)) }
	plan := map[rootSlot][]rootRecord{}
	placed := 0
	add := func(acc, region string, t time.Time, r rootRecord) {
		d := int(t.Sub(start) / (24 * time.Hour))
		r.at = t
		plan[rootSlot{acc, region, d}] = append(plan[rootSlot{acc, region, d}], r)
		placed++
	}
	first := accounts[0]
	// The first account has four quarterly calls, at least two sign-ins and at least one backup.
	mine := max(total/2, 4+2+1)
	for q := range 4 { // once a quarter, mid-month: the last one falls inside event history's 90 days
		t := start.AddDate(0, 3*q, 15).Add(6 * time.Hour)
		add(first, "us-east-1", t, rootRecord{key: QuarterlyKey,
			raw: rootCall(first, QuarterlyKey, t, "ec2.amazonaws.com", "DescribeInstances", "Management", "us-east-1",
				"54.250.10.11", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023", "")})
	}
	console := max((mine-4)/5, 2)
	for i := range console {
		t := at(i+1, console+1)
		add(first, "us-east-1", t, rootRecord{raw: consoleSignIn(first, t)})
	}
	backup := mine - 4 - console
	for i := range backup {
		t := at(i, backup).Add(2 * time.Hour)
		add(first, "eu-west-1", t, rootRecord{key: BackupKey, data: true,
			raw: rootCall(first, BackupKey, t, "s3.amazonaws.com", "PutObject", "Data", "eu-west-1", "203.0.113.10",
				"[aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.ubuntu.22 command/s3.cp]",
				fmt.Sprintf("arn:aws:s3:::example-backups/db/%s.dump", t.Format("2006-01-02T15")))})
	}
	others := max(total-mine, 1)
	for i := range others {
		acc := accounts[1+i%(len(accounts)-1)]
		region := s.Regions[i%len(s.Regions)]
		t := at(i, others)
		key := fmt.Sprintf("AKIAOTHER%s", acc[:11])
		add(acc, region, t, rootRecord{key: key,
			raw: rootCall(acc, key, t, "sts.amazonaws.com", "GetCallerIdentity", "Management", region, "198.51.100.77",
				"aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22", "")})
	}
	return plan, placed
}

// The record shapes follow the CloudTrail user guide's record contents; heldout/SOURCES.md
// names the documented records they mirror.

func rootCall(account, key string, at time.Time, source, name, category, region, ip, agent, object string) json.RawMessage {
	rec := map[string]any{
		"eventVersion": "1.10",
		"userIdentity": map[string]any{"type": "Root", "principalId": account, "arn": "arn:aws:iam::" + account + ":root",
			"accountId": account, "accessKeyId": key},
		"eventTime": at.UTC().Format(time.RFC3339), "eventSource": source, "eventName": name, "awsRegion": region,
		"sourceIPAddress": ip, "userAgent": agent, "requestParameters": nil, "responseElements": nil,
		"requestID": fmt.Sprintf("%s-%d", key[len(key)-4:], at.Unix()), "eventID": fmt.Sprintf("%s-%d", account, at.UnixNano()),
		"readOnly": name != "PutObject", "eventType": "AwsApiCall", "managementEvent": category == "Management",
		"recipientAccountId": account, "eventCategory": category,
	}
	if object != "" {
		bucket := object[:len("arn:aws:s3:::example-backups")]
		rec["resources"] = []map[string]string{{"type": "AWS::S3::Object", "ARN": object},
			{"accountId": account, "type": "AWS::S3::Bucket", "ARN": bucket}}
	}
	raw, _ := json.Marshal(rec) // maps of strings and booleans always marshal
	return raw
}

func consoleSignIn(account string, at time.Time) json.RawMessage {
	raw, _ := json.Marshal(map[string]any{
		"eventVersion": "1.05",
		"userIdentity": map[string]any{"type": "Root", "principalId": account, "arn": "arn:aws:iam::" + account + ":root",
			"accountId": account, "accessKeyId": ""},
		"eventTime": at.UTC().Format(time.RFC3339), "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
		"awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.0",
		"userAgent":         "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:62.0) Gecko/20100101 Firefox/62.0",
		"requestParameters": nil, "responseElements": map[string]string{"ConsoleLogin": "Success"},
		"additionalEventData": map[string]string{"MFAUsed": "YES", "MobileVersion": "No"},
		"eventID":             fmt.Sprintf("signin-%d", at.UnixNano()), "eventType": "AwsConsoleSignIn",
		"recipientAccountId": account, "eventCategory": "Management",
	})
	return raw
}

// plainEvents are the everyday calls of roles and users: management and data events.
var plainEvents = []struct{ source, name, category string }{
	{"ec2.amazonaws.com", "DescribeInstances", "Management"},
	{"sts.amazonaws.com", "AssumeRole", "Management"},
	{"kms.amazonaws.com", "Decrypt", "Management"},
	{"s3.amazonaws.com", "GetObject", "Data"},
	{"s3.amazonaws.com", "PutObject", "Data"},
	{"lambda.amazonaws.com", "Invoke", "Data"},
	{"dynamodb.amazonaws.com", "GetItem", "Data"},
	{"logs.amazonaws.com", "CreateLogStream", "Management"},
}

// plainRecord is a role session's call, built by appending text: a million of them must not
// cost a million maps.
func plainRecord(rng *rand.Rand, account, region string, at time.Time, i int) json.RawMessage {
	ev := plainEvents[rng.IntN(len(plainEvents))]
	role := [...]string{"app", "etl", "deploy", "monitoring"}[i%4]
	b := make([]byte, 0, 720)
	b = fmt.Appendf(b, `{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE%04d:%s",`+
		`"arn":"arn:aws:sts::%s:assumed-role/%s/i-%012x","accountId":"%s","accessKeyId":"ASIAEXAMPLE%09d",`+
		`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE%04d","arn":"arn:aws:iam::%s:role/%s",`+
		`"accountId":"%s","userName":"%s"},"attributes":{"creationDate":"%s","mfaAuthenticated":"false"}}},`+
		`"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"%s","sourceIPAddress":"10.%d.%d.%d",`+
		`"userAgent":"aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22","requestParameters":null,"responseElements":null,`+
		`"requestID":"%016x","eventID":"%016x","readOnly":true,"eventType":"AwsApiCall","managementEvent":%t,`+
		`"recipientAccountId":"%s","eventCategory":"%s"}`,
		i%4, role, account, role, rng.Uint64()&0xffffffffffff, account, rng.IntN(1e9), i%4, account, role, account, role,
		at.Add(-time.Hour).UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339), ev.source, ev.name, region,
		rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.Uint64(), rng.Uint64(), ev.category == "Management", account, ev.category)
	return b
}
