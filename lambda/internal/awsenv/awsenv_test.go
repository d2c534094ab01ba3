package awsenv

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/go-cmp/cmp"
)

// lambdaEnv is what Lambda sets for a provided.al2023 function (the Lambda developer guide's
// "Defined runtime environment variables"), with the documentation's sample credentials.
var lambdaEnv = map[string]string{
	"AWS_REGION":            "eu-west-1",
	"AWS_ACCESS_KEY_ID":     "ASIAIOSFODNN7EXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"AWS_SESSION_TOKEN":     "session-token",
	"AWS_EXECUTION_ENV":     "AWS_Lambda_provided.al2023",
}

func adaptive() aws.Retryer { return retry.NewAdaptiveMode() }

// seen is what a function's clients take from a configuration: the answers both loaders must
// agree on.
type seen struct {
	Region, AccessKey, Secret, Token, Environment string
	Checksums                                     [2]int
	Base                                          string
	Endpoints, FIPS, DualStack                    map[string]string // per client
}

func observe(t *testing.T, cfg aws.Config) seen {
	t.Helper()
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s := seen{Region: cfg.Region, AccessKey: creds.AccessKeyID, Secret: creds.SecretAccessKey, Token: creds.SessionToken,
		Environment: string(cfg.RuntimeEnvironment.EnvironmentIdentifier),
		Checksums:   [2]int{int(cfg.RequestChecksumCalculation), int(cfg.ResponseChecksumValidation)},
		Base:        aws.ToString(cfg.BaseEndpoint),
		Endpoints:   map[string]string{}, FIPS: map[string]string{}, DualStack: map[string]string{}}
	add := func(name string, base *string, fips aws.FIPSEndpointState, dual aws.DualStackEndpointState) {
		s.Endpoints[name], s.FIPS[name], s.DualStack[name] = aws.ToString(base), fipsName(fips), dualName(dual)
	}
	o1 := sns.NewFromConfig(cfg).Options()
	add("sns", o1.BaseEndpoint, o1.EndpointOptions.UseFIPSEndpoint, o1.EndpointOptions.UseDualStackEndpoint)
	o2 := securityhub.NewFromConfig(cfg).Options()
	add("securityhub", o2.BaseEndpoint, o2.EndpointOptions.UseFIPSEndpoint, o2.EndpointOptions.UseDualStackEndpoint)
	o3 := secretsmanager.NewFromConfig(cfg).Options()
	add("secretsmanager", o3.BaseEndpoint, o3.EndpointOptions.UseFIPSEndpoint, o3.EndpointOptions.UseDualStackEndpoint)
	return s
}

func fipsName(v aws.FIPSEndpointState) string {
	return map[aws.FIPSEndpointState]string{aws.FIPSEndpointStateUnset: "unset", aws.FIPSEndpointStateEnabled: "on", aws.FIPSEndpointStateDisabled: "off"}[v]
}

func dualName(v aws.DualStackEndpointState) string {
	return map[aws.DualStackEndpointState]string{aws.DualStackEndpointStateUnset: "unset", aws.DualStackEndpointStateEnabled: "on", aws.DualStackEndpointStateDisabled: "off"}[v]
}

// setEnv gives the test exactly env (and no shared config files): the service clients read
// AWS_ENDPOINT_URL* from the process environment themselves, so it must be the real one.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func TestLoadAgreesWithTheSDKLoaderOnALambdaEnvironment(t *testing.T) {
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range lambdaEnv {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"a deployed function", lambdaEnv},
		{"one endpoint for every service (the demo's moto)", with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})},
		{"a service's own endpoint wins over the global one (the demo's emulator)", with(map[string]string{
			"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_SECURITYHUB": "http://127.0.0.1:6000",
			"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:7000"})},
		{"a service's own endpoint alone", with(map[string]string{"AWS_ENDPOINT_URL_SNS": "http://127.0.0.1:5001"})},
		{"configured endpoints ignored", with(map[string]string{
			"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_SNS": "http://127.0.0.1:5001",
			"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"})},
		{"FIPS endpoints (GovCloud)", with(map[string]string{"AWS_REGION": "us-gov-west-1", "AWS_USE_FIPS_ENDPOINT": "true"})},
		{"dual-stack endpoints off", with(map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "FALSE"})},
		{"credentials without a session token", with(map[string]string{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SESSION_TOKEN": ""})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			sdk, err := awsconfig.LoadDefaultConfig(t.Context(), awsconfig.WithRetryer(adaptive))
			if err != nil {
				t.Fatal(err)
			}
			ours, err := Load(os.Getenv, adaptive)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(observe(t, sdk), observe(t, ours)); diff != "" {
				t.Errorf("Load differs from config.LoadDefaultConfig (-sdk +ours):\n%s", diff)
			}
			if _, ok := ours.Retryer().(*retry.AdaptiveMode); !ok {
				t.Errorf("retryer is %T, want the adaptive mode passed in", ours.Retryer())
			}
		})
	}
}

func TestLoadFailsTheColdStartNamingTheVariable(t *testing.T) {
	tests := []struct {
		name, unset, set, want string
	}{
		{"no Region", "AWS_REGION", "", "AWS_REGION is not set"},
		{"no access key", "AWS_ACCESS_KEY_ID", "", "AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set"},
		{"no secret", "AWS_SECRET_ACCESS_KEY", "", "AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set"},
		{"FIPS neither true nor false", "", "AWS_USE_FIPS_ENDPOINT=yes", `AWS_USE_FIPS_ENDPOINT must be "true" or "false", not "yes"`},
		{"dual-stack neither true nor false", "", "AWS_USE_DUALSTACK_ENDPOINT=1", `AWS_USE_DUALSTACK_ENDPOINT must be "true" or "false", not "1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range lambdaEnv {
				if k != tt.unset {
					env[k] = v
				}
			}
			if k, v, ok := strings.Cut(tt.set, "="); ok {
				env[k] = v
			}
			_, err := Load(func(k string) string { return env[k] }, adaptive)
			if err == nil || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Load() error = %v, want %q", err, tt.want)
			}
		})
	}
}
