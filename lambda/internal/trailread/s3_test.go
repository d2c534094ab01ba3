package trailread

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// smallPages lists two keys a page, so that a handful of objects exercises the paginator
// against moto's real ListObjectsV2.
type smallPages struct{ *s3.Client }

func (c smallPages) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	in.MaxKeys = aws.Int32(2)
	return c.Client.ListObjectsV2(ctx, in, opts...)
}

func TestS3PrefixIsReadLikeTheSameTreeOnDisk(t *testing.T) {
	url := testenv.Moto(t)
	client := s3.NewFromConfig(testenv.AWSConfig(url), func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "org-trail-" + strings.ToLower(strings.ReplaceAll(t.Name(), "_", "-"))
	if len(bucket) > 63 {
		bucket = bucket[:63]
	}
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	// Upload the tree exactly as `aws s3 sync` would have downloaded it.
	dir := tree(t)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		_, err = client.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket),
			Key: aws.String(filepath.ToSlash(rel)), Body: bytes.NewReader(data)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	local, err := Expand(t.Context(), []string{dir}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fromDisk collected
	want, err := Read(t.Context(), local, Options{}, fromDisk.add)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := Expand(t.Context(), []string{"s3://" + bucket + "/AWSLogs/"}, nil, smallPages{client})
	if err != nil {
		t.Fatal(err)
	}
	var fromS3 collected
	got, err := Read(t.Context(), remote, Options{Workers: 3}, fromS3.add)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats, S3 vs disk (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fromDisk.recs, fromS3.recs); diff != "" {
		t.Errorf("root records, S3 vs disk (-want +got):\n%s", diff)
	}
	if _, err := Expand(t.Context(), []string{"s3://" + bucket + "/nothing-here/"}, nil, client); err == nil {
		t.Error("an empty prefix gave no error")
	}
}
