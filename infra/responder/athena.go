package responder

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// AthenaProps makes the organization trail, queried with Athena, the function's primary
// evidence source: a year of management and data events of every account in one query.
//
// Either name an existing table (Database, Table, Workgroup; the table shaped as the Athena
// user guide's CloudTrail table with partition projection, with account, region and timestamp
// partitions), or give TrailBucket and the construct creates a Glue database and table with
// partition projection over it and a workgroup whose results go to an encrypted bucket that
// expires them. docs/athena.md shows the bucket and key policies a log-archive account adds.
type AthenaProps struct {
	Database, Table, Workgroup string

	// TrailBucket is the trail's bucket name (it may live in another account).
	TrailBucket string
	// TrailPrefix is the trail's S3 key prefix, before AWSLogs/; empty for none.
	TrailPrefix string
	// OrganizationID, for an organization trail: its files are under AWSLogs/<o-id>/<account>/.
	OrganizationID string
	// TrailKeyARN is the trail's KMS key when its files are encrypted with SSE-KMS.
	TrailKeyARN string
	// Regions the table projects; every Region of aws, aws-cn and aws-us-gov when empty.
	Regions []string
	// TrailStart is the first day of the trail, yyyy/MM/dd; "2020/01/01" when empty.
	TrailStart string
	// ResultsBucket is an existing workgroup's results bucket, to grant access to; the created
	// workgroup's own bucket otherwise.
	ResultsBucket string
	// ResultsExpireDays deletes query results after this many days; 7 when zero.
	ResultsExpireDays float64
	// ScanLimitGB stops a query that would scan more; 100 GB when zero (about $0.50 a query at
	// Athena's $5 per TB).
	ScanLimitGB float64
	// LookbackDays of the query; 365 when zero.
	LookbackDays float64
}

// projectedRegions is the partition projection's default Region list: every Region the SDK
// knows in the partitions the responder supports. A Region missing from the enum would be a
// silent hole, not an error: Athena returns no rows for it, and "no rows" would read as "no
// calls". The stack's own partition is not known at synth when its Region is a token, so all
// three are listed; a Region of another partition only names an empty prefix.
func projectedRegions() []string {
	var out []string
	for _, p := range contract.Partitions() {
		switch p.ID {
		case "aws", "aws-cn", "aws-us-gov":
			out = append(out, p.Regions()...)
		}
	}
	slices.Sort(out)
	return out
}

// athenaSource adds the Athena source: the table and workgroup (when created), the function's
// environment and exactly the permissions a query needs.
func (r *Responder) athenaSource(p *AthenaProps) {
	if p == nil {
		return
	}
	if err := p.check(); err != nil {
		panic("responder: " + err.Error())
	}
	stack := awscdk.Stack_Of(r.Construct)
	scope := r.Construct
	var results awss3.IBucket
	database, table, workgroup := p.Database, p.Table, p.Workgroup
	if p.TrailBucket != "" && p.Table == "" {
		// Glue and Athena names must be given; a name derived from the construct's address is
		// unique per stack and stable across deployments.
		name := "iam4_" + (*r.Node().Addr())[:10]
		database, table, workgroup = name, "cloudtrail_logs", strings.ReplaceAll(name, "_", "-")
		db := awsglue.NewCfnDatabase(scope, jsii.String("TrailDatabase"), &awsglue.CfnDatabaseProps{
			CatalogId: stack.Account(),
			DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{Name: jsii.String(database),
				Description: jsii.String("iam4-responder: the organization trail")},
		})
		t := awsglue.NewCfnTable(scope, jsii.String("TrailTable"), &awsglue.CfnTableProps{
			CatalogId: stack.Account(), DatabaseName: jsii.String(database), TableInput: p.tableInput(table),
		})
		t.Node().AddDependency(db)
		bucket := awss3.NewBucket(scope, jsii.String("QueryResults"), &awss3.BucketProps{
			Encryption:        awss3.BucketEncryption_S3_MANAGED,
			EnforceSSL:        jsii.Bool(true),
			BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
			ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
			LifecycleRules: &[]*awss3.LifecycleRule{{
				Expiration:                          awscdk.Duration_Days(jsii.Number(p.expireDays())),
				AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
			}},
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY, // results only, and they expire anyway
		})
		results = bucket
		awsathena.NewCfnWorkGroup(scope, jsii.String("Workgroup"), &awsathena.CfnWorkGroupProps{
			Name:        jsii.String(workgroup),
			Description: jsii.String("iam4-responder: root activity in the organization trail"),
			WorkGroupConfiguration: &awsathena.CfnWorkGroup_WorkGroupConfigurationProperty{
				EnforceWorkGroupConfiguration:   jsii.Bool(true),
				PublishCloudWatchMetricsEnabled: jsii.Bool(true),
				BytesScannedCutoffPerQuery:      jsii.Number(p.scanLimitGB() * 1e9),
				ResultConfiguration: &awsathena.CfnWorkGroup_ResultConfigurationProperty{
					OutputLocation: jsii.String(fmt.Sprintf("s3://%s/results/", *bucket.BucketName())),
					EncryptionConfiguration: &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{
						EncryptionOption: jsii.String("SSE_S3"),
					},
				},
			},
			RecursiveDeleteOption: jsii.Bool(true),
		})
		cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-S1"),
			Reason: jsii.String("The bucket holds Athena query results only, written and read by the responder's " +
				"own queries (each recorded by CloudTrail as athena:StartQueryExecution) and deleted after a few days."),
		}}, jsii.Bool(true))
	} else if p.ResultsBucket != "" {
		results = awss3.Bucket_FromBucketName(scope, jsii.String("QueryResults"), jsii.String(p.ResultsBucket))
	}

	set := func(k string, v *string) { r.Function.AddEnvironment(jsii.String(k), v, nil) }
	set(contract.EnvAthenaDatabase, jsii.String(database))
	set(contract.EnvAthenaTable, jsii.String(table))
	set(contract.EnvAthenaWorkgroup, jsii.String(workgroup))
	set(contract.EnvAthenaLookbackDays, jsii.String(fmt.Sprintf("%.0f", p.lookbackDays())))
	r.grantAthena(p, stack, database, table, workgroup, results)
}

func (p *AthenaProps) check() error {
	existing := p.Database != "" || p.Table != "" || p.Workgroup != ""
	switch {
	case existing && (p.Database == "" || p.Table == "" || p.Workgroup == ""):
		return fmt.Errorf("athena: an existing table needs Database, Table and Workgroup together")
	case !existing && p.TrailBucket == "":
		return fmt.Errorf("athena: name an existing table (Database, Table, Workgroup) or give TrailBucket")
	case p.OrganizationID != "" && !strings.HasPrefix(p.OrganizationID, "o-"):
		return fmt.Errorf("athena: OrganizationID %q does not start with o-", p.OrganizationID)
	case strings.HasPrefix(p.TrailPrefix, "/") || strings.HasSuffix(p.TrailPrefix, "/"):
		return fmt.Errorf("athena: TrailPrefix %q: no leading or trailing slash", p.TrailPrefix)
	}
	return nil
}

func (p *AthenaProps) expireDays() float64   { return orDefault(p.ResultsExpireDays, 7) }
func (p *AthenaProps) scanLimitGB() float64  { return orDefault(p.ScanLimitGB, 100) }
func (p *AthenaProps) lookbackDays() float64 { return orDefault(p.LookbackDays, 365) }

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// logsPrefix is the trail's key prefix down to the account level: [prefix/]AWSLogs/[o-id/].
func (p *AthenaProps) logsPrefix() string {
	s := "AWSLogs/"
	if p.OrganizationID != "" {
		s += p.OrganizationID + "/"
	}
	if p.TrailPrefix != "" {
		s = p.TrailPrefix + "/" + s
	}
	return s
}

// tableInput is the Athena user guide's CloudTrail table ("Create the table for CloudTrail logs
// in Athena using partition projection") with an injected account partition (every query
// names its account, which Athena then requires), an enumerated Region and a projected date.
func (p *AthenaProps) tableInput(name string) *awsglue.CfnTable_TableInputProperty {
	regions := p.Regions
	if len(regions) == 0 {
		regions = projectedRegions()
	}
	start := p.TrailStart
	if start == "" {
		start = "2020/01/01"
	}
	location := fmt.Sprintf("s3://%s/%s", p.TrailBucket, p.logsPrefix())
	str := func(n string) *awsglue.CfnTable_ColumnProperty {
		return &awsglue.CfnTable_ColumnProperty{Name: jsii.String(n), Type: jsii.String("string")}
	}
	col := func(n, t string) *awsglue.CfnTable_ColumnProperty {
		return &awsglue.CfnTable_ColumnProperty{Name: jsii.String(n), Type: jsii.String(t)}
	}
	columns := []*awsglue.CfnTable_ColumnProperty{
		str("eventversion"),
		col("useridentity", "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,"+
			"accesskeyid:string,username:string,onbehalfof:struct<userid:string,identitystorearn:string>,"+
			"sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>,"+
			"sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>,"+
			"ec2roledelivery:string,webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>>>"),
		str("eventtime"), str("eventsource"), str("eventname"), str("awsregion"), str("sourceipaddress"),
		str("useragent"), str("errorcode"), str("errormessage"), str("requestparameters"), str("responseelements"),
		str("additionaleventdata"), str("requestid"), str("eventid"), str("readonly"),
		col("resources", "array<struct<arn:string,accountid:string,type:string>>"),
		str("eventtype"), str("apiversion"), str("recipientaccountid"), str("serviceeventdetails"),
		str("sharedeventid"), str("vpcendpointid"), str("vpcendpointaccountid"), str("eventcategory"),
		col("addendum", "struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>"),
		str("sessioncredentialfromconsole"), str("edgedevicedetails"),
		col("tlsdetails", "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>"),
	}
	return &awsglue.CfnTable_TableInputProperty{
		Name:          jsii.String(name),
		Description:   jsii.String("CloudTrail logs of the organization trail, partition projection on account, Region and day"),
		TableType:     jsii.String("EXTERNAL_TABLE"),
		PartitionKeys: &[]*awsglue.CfnTable_ColumnProperty{str("account"), str("region"), str("timestamp")},
		Parameters: map[string]any{
			"classification":                     "cloudtrail",
			"EXTERNAL":                           "TRUE",
			"projection.enabled":                 "true",
			"projection.account.type":            "injected",
			"projection.region.type":             "enum",
			"projection.region.values":           strings.Join(regions, ","),
			"projection.timestamp.type":          "date",
			"projection.timestamp.format":        "yyyy/MM/dd",
			"projection.timestamp.range":         start + ",NOW",
			"projection.timestamp.interval":      "1",
			"projection.timestamp.interval.unit": "DAYS",
			"storage.location.template":          location + "${account}/CloudTrail/${region}/${timestamp}",
		},
		StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
			Columns:      &columns,
			Location:     jsii.String(location),
			InputFormat:  jsii.String("com.amazon.emr.cloudtrail.CloudTrailInputFormat"),
			OutputFormat: jsii.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"),
			SerdeInfo: &awsglue.CfnTable_SerdeInfoProperty{
				SerializationLibrary: jsii.String("org.apache.hive.hcatalog.data.JsonSerDe"),
			},
		},
	}
}

// grantAthena lets the function run its query and nothing more: the query calls on the one
// workgroup, the table's metadata, read access to the trail's logs (list and get, under the
// logs prefix only), the trail key's Decrypt, and the results location (Athena writes results
// with the caller's permissions; Athena user guide, "Access to Amazon S3").
func (r *Responder) grantAthena(p *AthenaProps, stack awscdk.Stack, database, table, workgroup string, results awss3.IBucket) {
	allow := func(sid string, resources []*string, actions ...string) {
		r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: &resources,
		}))
	}
	arn := func(service, resource string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String(service), Resource: jsii.String(resource),
			ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME})
	}
	allow("RunTrailQuery", []*string{arn("athena", "workgroup/"+workgroup)},
		"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution")
	allow("ReadTrailTable", []*string{arn("glue", "catalog"), arn("glue", "database/"+database), arn("glue", "table/"+database+"/"+table)},
		"glue:GetDatabase", "glue:GetTable")
	if p.TrailBucket != "" {
		bucket := fmt.Sprintf("arn:%s:s3:::%s", *stack.Partition(), p.TrailBucket)
		allow("ReadTrailLogs", []*string{jsii.String(bucket + "/" + p.logsPrefix() + "*")}, "s3:GetObject")
		r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ListTrailLogs"), Actions: jsii.Strings("s3:ListBucket"), Resources: jsii.Strings(bucket),
			Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": p.logsPrefix() + "*"}},
		}))
		allow("LocateTrailBucket", []*string{jsii.String(bucket)}, "s3:GetBucketLocation")
	}
	if p.TrailKeyARN != "" {
		allow("DecryptTrailLogs", []*string{jsii.String(p.TrailKeyARN)}, "kms:Decrypt")
	}
	if results != nil {
		allow("WriteQueryResults", []*string{results.ArnForObjects(jsii.String("results/*"))},
			"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload")
		allow("ListQueryResults", []*string{results.BucketArn()}, "s3:ListBucket", "s3:GetBucketLocation")
	}
	cdknag.NagSuppressions_AddResourceSuppressions(r.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Athena evidence: the trail's log objects are read under the logs prefix only " +
			"(their keys name accounts, Regions and days not known in advance), and query results under results/ " +
			"(Athena names each result file by its query id)."),
		AppliesTo: &[]any{
			// The partition is a token, or a literal when the stack's Region is known.
			map[string]any{"regex": "/^Resource::arn:(<AWS::Partition>|aws|aws-cn|aws-us-gov):s3:::.*AWSLogs/.*\\*$/g"},
			map[string]any{"regex": "/^Resource::<.*QueryResults.*\\.Arn>/results/\\*$/g"},
			map[string]any{"regex": "/^Resource::arn:(<AWS::Partition>|aws|aws-cn|aws-us-gov):s3:::.*/results/\\*$/g"},
		},
	}}, jsii.Bool(true))
}
