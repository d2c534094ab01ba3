package main

// The generated trail: an organization trail in CloudTrail's S3 layout, written as gzip files.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Shape of the generated trail: an organization trail's accounts and Regions, files of a few
// hundred records as CloudTrail writes every five minutes, one root record in a thousand.
const (
	recordsPerFile = 400
	rootEvery      = 1000
)

var (
	benchAccounts = []string{"111122223333", "444455556666", "777788889999"}
	benchRegions  = []string{"us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2"}
)

type tree struct {
	dir          string
	files        []string
	records      int
	root         int
	uncompressed int64
}

// generate writes at least size bytes of uncompressed records as gzip files in
// AWSLogs/<org>/<account>/CloudTrail/<region>/YYYY/MM/DD/, one generator per core.
func generate(size int64) (*tree, error) {
	dir, err := os.MkdirTemp("", "analyzebench-trail")
	if err != nil {
		return nil, err
	}
	t := &tree{dir: dir}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	workers := runtime.GOMAXPROCS(0)
	next := 0
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			var buf bytes.Buffer
			for {
				mu.Lock()
				if t.uncompressed >= size || firstErr != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				buf.Reset()
				root := writeLogFile(&buf, rng, i)
				acct := benchAccounts[i%len(benchAccounts)]
				region := benchRegions[(i/len(benchAccounts))%len(benchRegions)]
				day := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%30)
				path := filepath.Join(dir, "AWSLogs", "o-exampleorg", acct, "CloudTrail", region, day.Format("2006/01/02"),
					fmt.Sprintf("%s_CloudTrail_%s_%sT%04dZ_%08x.json.gz", acct, region, day.Format("20060102"), i%2400, rng.Uint32()))
				err := writeGzip(path, buf.Bytes())
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				t.files = append(t.files, path)
				t.records += recordsPerFile
				t.root += root
				t.uncompressed += int64(buf.Len())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		os.RemoveAll(dir)
		return nil, firstErr
	}
	return t, nil
}

func writeGzip(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var (
	benchEvents = []struct{ source, name string }{
		{"ec2.amazonaws.com", "DescribeInstances"}, {"s3.amazonaws.com", "GetBucketAcl"},
		{"sts.amazonaws.com", "AssumeRole"}, {"kms.amazonaws.com", "Decrypt"}, {"logs.amazonaws.com", "CreateLogStream"},
		{"monitoring.amazonaws.com", "PutMetricData"}, {"iam.amazonaws.com", "ListRoles"},
		{"lambda.amazonaws.com", "ListFunctions20150331"}, {"dynamodb.amazonaws.com", "DescribeTable"},
	}
	benchAgents = []string{
		"aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.ubuntu.22 prompt/off command/ec2.describe-instances",
		"aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22.4 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.0",
		"Boto3/1.34.100 md/Botocore#1.34.100 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.3 cfg/retry-mode#legacy",
		"[aws-sdk-java/1.12.700 Linux/5.10.215 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS java/17.0.11]",
	}
)

// writeLogFile writes one CloudTrail log file of recordsPerFile records; about one in
// rootEvery is the root's (most of them calls with a long-term key, some console sign-ins).
func writeLogFile(w *bytes.Buffer, rng *rand.Rand, fileIndex int) (root int) {
	acct := benchAccounts[fileIndex%len(benchAccounts)]
	w.WriteString(`{"Records":[`)
	for i := range recordsPerFile {
		if i > 0 {
			w.WriteByte(',')
		}
		ev := benchEvents[rng.IntN(len(benchEvents))]
		t := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(30*24*3600)) * time.Second)
		ip := fmt.Sprintf("10.%d.%d.%d", rng.IntN(4), rng.IntN(256), rng.IntN(256))
		agent := benchAgents[rng.IntN(len(benchAgents))]
		var identity string
		switch {
		case rng.IntN(rootEvery) == 0 && rng.IntN(10) < 8:
			root++
			ip = fmt.Sprintf("203.0.113.%d", rng.IntN(16))
			identity = fmt.Sprintf(`{"type":"Root","principalId":"%s","arn":"arn:aws:iam::%s:root","accountId":"%s","accessKeyId":"AKIAIOSFODNN7EXAMPLE"}`, acct, acct, acct)
		case rng.IntN(rootEvery*5) == 0:
			root++
			ev = struct{ source, name string }{"signin.amazonaws.com", "ConsoleLogin"}
			agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
			identity = fmt.Sprintf(`{"type":"Root","principalId":"%s","arn":"arn:aws:iam::%s:root","accountId":"%s"}`, acct, acct, acct)
		default:
			role := fmt.Sprintf("app-%d", rng.IntN(40))
			identity = fmt.Sprintf(`{"type":"AssumedRole","principalId":"AROAEXAMPLE%06d:%s","arn":"arn:aws:sts::%s:assumed-role/%s/i-%012x",`+
				`"accountId":"%s","accessKeyId":"ASIAEXAMPLE%09d","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE%06d",`+
				`"arn":"arn:aws:iam::%s:role/%s","accountId":"%s","userName":"%s"},"webIdFederationData":{},`+
				`"attributes":{"creationDate":"%s","mfaAuthenticated":"false"}},"invokedBy":""}`,
				rng.IntN(1e6), role, acct, role, rng.Uint64()&0xffffffffffff, acct, rng.IntN(1e9), rng.IntN(1e6), acct, role, acct, role,
				t.Add(-time.Hour).Format(time.RFC3339))
		}
		fmt.Fprintf(w, `{"eventVersion":"1.09","userIdentity":%s,"eventTime":"%s","eventSource":"%s","eventName":"%s",`+
			`"awsRegion":"us-east-1","sourceIPAddress":"%s","userAgent":"%s","requestParameters":{"maxResults":%d,"filterSet":{"items":[{"name":"tag:env","valueSet":{"items":[{"value":"prod-%d"}]}}]}},`+
			`"responseElements":null,"requestID":"%08x-%04x-%04x-%04x-%012x","eventID":"%08x-%04x-%04x-%04x-%012x","readOnly":true,`+
			`"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%s","eventCategory":"Management",`+
			`"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s"}}`,
			identity, t.Format(time.RFC3339), ev.source, ev.name, ip, agent, 50+rng.IntN(950), rng.IntN(100),
			rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff,
			rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff,
			acct, ev.source)
	}
	w.WriteString(`]}`)
	return root
}
